import { PAYMENT_STATES_MAX, paymentRoutes, type PaymentState } from '../../contracts/payment.js';
import { call } from '../../lib/contract.js';
import { notFound } from '../../lib/errors.js';
import { batchWithin } from '../../lib/loader.js';

/**
 * Payment states asked for within the same few milliseconds go in one call: the consumer applies
 * up to a chunk of events at once, each reading its payment. Never cached: every event must see
 * its payment as it is now.
 */
const states = batchWithin<string, PaymentState>(2, PAYMENT_STATES_MAX, async (sns) => {
  const { payments } = await call('jobs', paymentRoutes.states, { sns: [...sns] });
  const bySn = new Map(payments.map((p) => [p.sn, p]));
  return sns.map((sn) => bySn.get(sn) ?? notFound('payment'));
});

/** The payment service's internal API, as the order domain calls it (contracts/payment.ts). */
export const paymentApi = {
  /** The payment as it is now (from the jobs process: the consumer and the close job). */
  state: (sn: string) => states.load(sn),
  refund: (paymentSn: string, reason: string, from: string, requestId?: string) => call(from, paymentRoutes.refund, { paymentSn, reason }, requestId),
  /** Gives back `amount` of a REFUNDED order's live payment (a guest's refund by policy); once per order. */
  refundOrder: (orderSn: string, amount: number, reason: string, from: string, requestId?: string) =>
    call(from, paymentRoutes.refundOrder, { orderSn, amount, reason: reason.slice(0, 255) }, requestId),
  /**
   * At the orders' deadlines (the close jobs), many orders in one call: the verdict per order sn,
   * `open` while its deadline has not come by the payment service's clock.
   */
  closeAtDeadlines: async (orders: { orderSn: string; deadline: string }[], from: string) => (await call(from, paymentRoutes.closeForOrders, { orders })).verdicts,
  /**
   * Closes the order's payments now, for a guest's cancel: `paid` when one already succeeded
   * (the order is paid, not cancelled), else its waiting payments turn FAILED.
   */
  closeForGuestCancel: (orderSn: string, requestId?: string) => call('order', paymentRoutes.closeForOrder, { orderSn, byGuest: true }, requestId),
};
