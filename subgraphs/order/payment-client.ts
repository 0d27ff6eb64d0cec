import { paymentRoutes } from '../../contracts/payment.js';
import { call } from '../../lib/contract.js';

/** The payment service's internal API, as the order domain calls it (contracts/payment.ts). */
export const paymentApi = {
  get: (sn: string, from: string, requestId?: string) => call(from, paymentRoutes.get, { sn }, requestId),
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
