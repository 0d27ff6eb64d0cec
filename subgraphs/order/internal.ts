import type express from 'express';
import type { EntityManager, MikroORM } from '../../db/index.js';
import { badInput } from '../../lib/errors.js';
import { internalHandler } from '../../lib/internal-client.js';
import type { Logger } from '../../lib/logger.js';
import { ORDER_STATES, type OrderState } from '../../lib/order-events.js';
import { OrderService, toView, type OrderDeps } from './service.js';

/**
 * The order service's internal API (service credential only, mounted at /internal):
 * - POST /orders/get {sn} → OrderView; unknown → 404 NOT_FOUND
 * - POST /orders/transition {sn, to, paidAt?} → {changed, order: OrderView}; impossible → 409 CONFLICT
 * - POST /orders/due-for-settlement {limit} → {orders: OrderView[]}
 */
export function internalRoutes(orm: MikroORM, deps: Omit<OrderDeps, 'log'>, log: Logger) {
  const service = () => new OrderService(orm.em.fork() as EntityManager, { ...deps, log });
  const snOf = (body: { sn?: unknown }) => {
    if (typeof body?.sn !== 'string' || !body.sn) throw badInput('sn', 'sn is required');
    return body.sn;
  };
  return (router: express.Router) => {
    router.post('/orders/get', internalHandler(async (body: { sn?: unknown }) => service().view(snOf(body))));
    router.post(
      '/orders/transition',
      internalHandler(async (body: { sn?: unknown; to?: unknown; paidAt?: unknown }) => {
        const sn = snOf(body);
        const to = body.to as OrderState;
        if (!ORDER_STATES.includes(to) || to === 'WAIT_PAY') throw badInput('to', 'to must be WAIT_USE, USED, REFUNDED or CANCELLED');
        let paidAt: Date | undefined;
        if (body.paidAt != null) {
          paidAt = new Date(String(body.paidAt));
          if (Number.isNaN(paidAt.getTime())) throw badInput('paidAt', 'paidAt must be ISO 8601');
        }
        const { changed, order } = await service().transition(sn, to, { paidAt });
        return { changed, order: toView(order) };
      }),
    );
    router.post(
      '/orders/due-for-settlement',
      internalHandler(async (body: { limit?: unknown }) => ({ orders: await service().dueForSettlement(Number(body?.limit ?? 100)) })),
    );
  };
}
