import type express from 'express';
import { paymentRoutes } from '../../contracts/payment.js';
import { serve } from '../../lib/contract.js';
import type { PaymentService } from './service.js';

/** The payment service's internal API (contracts/payment.ts), for the order service and its jobs. */
export function internalRoutes(service: () => PaymentService) {
  return (router: express.Router) => {
    serve(router, paymentRoutes.refund, async (b) => {
      const p = await service().refund(b.paymentSn, b.reason);
      return { sn: p.sn, orderSn: p.orderSn, payStatus: p.payStatus };
    });
    serve(router, paymentRoutes.refundOrder, async (b) => {
      const p = await service().refundOrder(b.orderSn, b.amount, b.reason);
      return { paymentSn: p.sn, orderSn: p.orderSn, refundAmount: p.refundAmount ?? p.payTotal };
    });
    serve(router, paymentRoutes.states, async (b) => ({ payments: await service().current(b.sns) }));
    // The order service asks this before a guest's cancel (`byGuest`: close now); with a deadline,
    // one order's close at its deadline (the close jobs use the batch route below).
    serve(router, paymentRoutes.closeForOrder, (b) => service().closeForOrder(b.orderSn, b.byGuest ? null : new Date(b.deadline)));
    // The close-order jobs of one moment, together.
    serve(router, paymentRoutes.closeForOrders, async (b) => ({
      verdicts: Object.fromEntries(await service().closeForOrders(b.orders.map((o) => ({ orderSn: o.orderSn, deadline: new Date(o.deadline) })))),
    }));
  };
}
