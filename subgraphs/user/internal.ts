import type express from 'express';
import { userRoutes } from '../../contracts/user.js';
import { serve } from '../../lib/contract.js';
import type { EntityManager, MikroORM } from '../../lib/database.js';
import { NotificationService } from './notifications.js';
import { UserService } from './service.js';

/**
 * The user service's internal API (contracts/user.ts): the jobs' default notifier stores messages
 * here; the homestay service reads landlords' public profiles.
 */
export function internalRoutes(orm: MikroORM) {
  return (router: express.Router) => {
    serve(router, userRoutes.profiles, async ({ ids }) => {
      const users = await new UserService(orm.em.fork() as EntityManager).findByIds(ids);
      return { profiles: users.map((u) => ({ id: String(u.id), nickname: u.nickname })) };
    });
    serve(router, userRoutes.storeNotifications, (b) => new NotificationService(orm.em.fork() as EntityManager).store(b));
  };
}
