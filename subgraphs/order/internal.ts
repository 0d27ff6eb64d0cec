import type express from 'express';
import { orderRoutes } from '../../contracts/order.js';
import type { EntityManager, MikroORM } from '../../lib/database.js';
import { serve } from '../../lib/contract.js';
import type { Logger } from '../../lib/logger.js';
import { OrderService, toView, type OrderDeps } from './service.js';

/** The order service's internal API (contracts/order.ts), for the payment and homestay services and the jobs. */
export function internalRoutes(orm: MikroORM, deps: Omit<OrderDeps, 'log'>, log: Logger) {
  const service = () => new OrderService(orm.em.fork() as EntityManager, { ...deps, log });
  return (router: express.Router) => {
    serve(router, orderRoutes.get, (b) => service().view(b.sn));
    serve(router, orderRoutes.transition, async (b) => {
      const { changed, order } = await service().transition(b.sn, b.to, { paidAt: b.paidAt ? new Date(b.paidAt) : undefined });
      return { changed, order: toView(order) };
    });
    serve(router, orderRoutes.dueForSettlement, async (b) => ({ orders: await service().dueForSettlement(b.limit) }));
    serve(router, orderRoutes.stays, async (b) => ({ stays: await service().staysOf(b.userId, b.homestayId) }));
  };
}
