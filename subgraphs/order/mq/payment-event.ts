import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { isDomainError } from '../../../lib/errors.js';
import type { PaymentState, PaymentStatusEvent } from '../../../contracts/payment.js';
import type { OrderState, OrderView } from '../../../contracts/order.js';
import { paymentApi } from '../payment-client.js';
import type { OrderDomain } from './order-domain.js';
import type { PaySuccessNotifyJob } from '../../../contracts/queues.js';
import { PAY_SUCCESS_NOTIFY_JOB_OPTIONS } from './queues.js';
import { withTrace } from '../../../lib/request-context.js';

// Applying a payment event is apart from consuming it (payment-status.consumer.ts) because the
// close-order worker applies one too, straight from the jobs process's order domain, with no Kafka.

/** The code of a domain refusal, null for any other failure (which is worth retrying). */
export const codeOf = (err: unknown) => (isDomainError(err) ? String(err.extensions.code) : null);

/** What applying a payment event needs of its order (ordersOf below; a test may pass its own). */
export interface OrderAccess {
  /** Moves the order (a guarded transition); `changed`: it moved now, not before. */
  transition(sn: string, to: OrderState, paidAt: string | null, requestId: string): Promise<{ changed: boolean }>;
  /** The order's live payment was refunded for `amount` (→ REFUNDED, or recorded on a REFUNDED order). */
  paymentRefunded(sn: string, amount: number, requestId: string): Promise<{ changed: boolean }>;
  get(sn: string, requestId: string): Promise<OrderView>;
}

/**
 * The orders as the jobs process's own order domain holds them (order-domain.ts), a fresh
 * EntityManager per step. Both the consumer and the close job go through it rather than the order
 * subgraph's HTTP routes: the same guarded transitions without a hop (HTTP, auth, JSON twice)
 * per step, and payments keep reaching their orders while the order subgraph is down.
 */
export function ordersOf(domain: Pick<OrderDomain, 'service'>): OrderAccess {
  return {
    transition: (sn, to, paidAt) => domain.service().move(sn, to, { paidAt: paidAt ? new Date(paidAt) : undefined }),
    paymentRefunded: async (sn, amount) => ({ changed: (await domain.service().recordPaymentRefund(sn, amount)).changed }),
    get: (sn) => domain.service().view(sn),
  };
}

/**
 * What one payment event does to its order. The event only says which payment changed: what it
 * changed to is read from the payment service now, so events that arrive late, twice or in the
 * wrong order (a replay, two relays) all lead to the same end, the one the payment's current
 * state implies. Every step is idempotent (guarded transitions, the notify job's id, the refund of
 * a refunded payment), so a redelivered event changes nothing more.
 */
export async function applyPaymentEvent(
  e: PaymentStatusEvent,
  notifyQueue: Queue<PaySuccessNotifyJob>,
  log: Logger,
  orders: OrderAccess,
): Promise<string> {
  const payment = await paymentApi.state(e.paymentSn);
  if (payment.orderSn !== e.orderSn) {
    log.warn({ eventId: e.eventId, orderSn: e.orderSn, paymentSn: e.paymentSn }, 'payment event names another order than its payment; skipped');
    return 'order-mismatch';
  }
  const ctx = { e, payment, notifyQueue, log, orders };
  if (payment.status === 'SUCCESS') return payment.live ? payOrder(ctx) : refund(ctx, 'late capture: another payment holds the order');
  // A refunded payment that never held the order (a late capture given back) has nothing to undo.
  if (payment.status === 'REFUNDED') return payment.live ? undoPayment(ctx) : 'refund-of-late-capture';
  return 'nothing-to-do';
}

interface Ctx {
  e: PaymentStatusEvent;
  payment: PaymentState;
  notifyQueue: Queue<PaySuccessNotifyJob>;
  log: Logger;
  orders: OrderAccess;
}

const transition = ({ e, orders }: Ctx, to: OrderState, paidAt?: string | null) => orders.transition(e.orderSn, to, paidAt ?? null, e.eventId);
const readOrder = ({ e, orders }: Ctx) => orders.get(e.orderSn, e.eventId);

async function refund(ctx: Ctx, reason: string): Promise<string> {
  const { e, payment, log } = ctx;
  await paymentApi.refund(payment.sn, reason, 'jobs', e.eventId);
  log.info({ orderSn: e.orderSn, paymentSn: payment.sn, reason }, 'payment refunded');
  return 'refunded';
}

/**
 * Queues the paid guest's messages. Called whenever an event finds its order paid, not only when
 * it pays it: a consumer that died between paying the order and queueing this gets the event
 * again, by which time the order may have moved on (refunded, checked in) and the payment with
 * it. The job id makes every call after the first a no-op.
 */
const queueMessages = ({ e, notifyQueue }: Ctx) =>
  notifyQueue.add('notify', withTrace({ orderSn: e.orderSn }, 'pay-success-notify'), { ...PAY_SUCCESS_NOTIFY_JOB_OPTIONS, jobId: `pay-success-${e.orderSn}` });

/** The order's live payment succeeded: it pays the order, or goes back if the order closed first. */
async function payOrder(ctx: Ctx): Promise<string> {
  const { e, payment, log } = ctx;
  try {
    const { changed } = await transition(ctx, 'WAIT_USE', payment.paidAt);
    await queueMessages(ctx);
    return changed ? 'paid' : 'already-paid';
  } catch (err) {
    if (codeOf(err) !== 'CONFLICT') throw err;
    const order = await readOrder(ctx);
    // The order closed before the money arrived: the money goes back, the order stays closed.
    if (order.state === 'CANCELLED') return refund(ctx, `order ${e.orderSn} was ${order.state} when paid`);
    // Moved by someone else just now: the message is retried (a domain error would skip it).
    if (order.state === 'WAIT_PAY' || order.state === 'WAIT_USE') throw new Error(`order ${e.orderSn} changed while being paid`);
    // USED or REFUNDED come only after WAIT_USE, which only this payment (the live one) can
    // have caused: the event is old news, but its messages may not have been queued.
    log.info({ orderSn: e.orderSn, paymentSn: payment.sn, state: order.state }, 'payment success for an order already past WAIT_USE');
    await queueMessages(ctx);
    return 'already-paid';
  }
}

/**
 * The order's live payment was refunded: a paid order becomes REFUNDED with the amount given back
 * (the whole payment when the provider refunded on its own); an order already REFUNDED (a guest's
 * refund, which asked for this one) records the refund as confirmed; an order the payment never
 * got to pay (its SUCCESS not yet applied, or never to be) is closed, so it cannot be paid by a
 * refunded payment later. Retried a few times, as the order may move meanwhile.
 */
async function undoPayment(ctx: Ctx): Promise<string> {
  const { e, payment, log, orders } = ctx;
  for (let attempt = 0; attempt < 3; attempt++) {
    const order = await readOrder(ctx);
    // Paid before it was refunded: the guest's messages are owed all the same.
    if (order.paidAt) await queueMessages(ctx);
    const to = order.state === 'WAIT_PAY' ? 'CANCELLED' : order.state === 'WAIT_USE' || order.state === 'REFUNDED' ? 'REFUNDED' : null;
    if (!to) {
      // Checked in or settled first (USED): the provider refunded anyway, which only a person can
      // square with the business. The order stays USED.
      if (order.state === 'USED') log.error({ orderSn: e.orderSn, paymentSn: payment.sn }, 'provider refund of a used (checked-in or settled) order; left USED, reconcile by hand');
      return `refund-of-${order.state.toLowerCase()}-order`;
    }
    try {
      if (to === 'REFUNDED') {
        const { changed } = await orders.paymentRefunded(e.orderSn, payment.refundAmount ?? payment.amount, e.eventId);
        return changed ? 'order-refunded' : 'refund-recorded';
      }
      const { changed } = await transition(ctx, to);
      log.info({ orderSn: e.orderSn, paymentSn: payment.sn }, 'payment refunded before it paid its order; order closed');
      return changed ? 'order-closed' : 'already-done';
    } catch (err) {
      if (codeOf(err) !== 'CONFLICT') throw err;
    }
  }
  throw new Error(`order ${e.orderSn} kept changing while its refund was applied`);
}
