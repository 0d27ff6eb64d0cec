import type express from 'express';
import { userRoutes } from '../../contracts/user.js';
import { serve } from '../../lib/contract.js';
import type { EntityManager, MikroORM } from '../../lib/database.js';
import { NotificationService } from './notifications.js';

/** The user service's internal API (contracts/user.ts): the jobs' default notifier stores messages here. */
export function internalRoutes(orm: MikroORM) {
  return (router: express.Router) => {
    serve(router, userRoutes.storeNotifications, (b) => new NotificationService(orm.em.fork() as EntityManager).store(b));
  };
}
