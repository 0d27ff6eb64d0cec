import type { EntityManager } from '../../lib/database.js';
import { config } from '../../lib/config.js';
import { dateString } from '../../lib/dates.js';
import { badInput, conflict, isDomainError, notFound } from '../../lib/errors.js';
import { rateLimits } from '../../lib/rate-limits.js';
import { HomestayOrder } from './entities.js';
import { paymentApi } from './payment-client.js';
import type { OrderQueries } from './queries.js';
import { refundAmount } from './refund-policy.js';
import { STATE_CODE, stateOf } from './state-machine.js';
import type { OrderTransitions, TransitionDeps } from './transitions.js';

const GUEST_REASON = 'refund requested by the guest';
const MAX_REASON = 255;

/**
 * Refunds of paid stays (issue 13). The order decides, the payment service pays back:
 * 1. the guarded WAIT_USE → REFUNDED writes the amount the policy gives at that moment, so of
 *    two racing requests (or a request and the settlement's WAIT_USE → USED) exactly one moves
 *    the order and every caller reads the same amount;
 * 2. the nights are released;
 * 3. the payment service gives the amount back (nothing to ask for 0), and the order records the
 *    confirmation. Until it is recorded the refund is owed: a request repeated, the order sweep
 *    and the payment's own REFUNDED event each finish it, and the payment service refunds an
 *    order once whoever asks, so the money goes back exactly once.
 */
export class OrderRefunds {
  constructor(
    private readonly em: EntityManager,
    private readonly deps: TransitionDeps,
    private readonly queries: OrderQueries,
    private readonly transitions: OrderTransitions,
  ) {}

  /**
   * requestRefund: the owner cancels a paid stay (WAIT_USE). Repeating it returns the refunded
   * order as it is (and asks for money still owed); an order in any other state is CONFLICT. The
   * order answers REFUNDED even when the payment service cannot be reached: the refund is decided
   * and stored, and the sweep pays it back once the service answers again (refusing would only
   * make the guest retry a request whose outcome is already fixed).
   */
  async request(userId: string, sn: string, reason?: string | null): Promise<HomestayOrder> {
    // Counted first, as payOrder counts: the same per-user limit covers both.
    await rateLimits().payPerUser.consume(String(userId));
    if (reason != null && reason.length > MAX_REASON) throw badInput('reason', `reason must be at most ${MAX_REASON} characters`);
    const order = await this.queries.findForUser(userId, sn);
    if (!order) throw notFound('order');
    const state = stateOf(order.tradeState);
    let refunded = order;
    if (state === 'WAIT_USE') {
      const amount = refundAmount(order.cancellationPolicy, order.orderTotalPrice, dateString(order.liveStartDate), new Date(), config().appTimezone);
      // A racing request or refund that won leaves this one a no-op: the order read back carries the winner's amount.
      refunded = (await this.transitions.transition(sn, 'REFUNDED', { refundAmount: amount })).order;
    } else if (state !== 'REFUNDED') {
      throw conflict(`order ${sn} is ${state}; only a paid stay that has not begun (WAIT_USE) can be refunded`);
    }
    await this.payBackQuietly(refunded, reason?.trim() || GUEST_REASON);
    return refunded;
  }

  /** Asks for the money of a refund not confirmed yet; a failure is logged and left to the sweep. */
  private async payBackQuietly(order: HomestayOrder, reason: string): Promise<void> {
    if (!order.refundAmount || order.refundConfirmedAt) return;
    try {
      await this.payBack(order.sn, order.refundAmount, reason);
    } catch (err) {
      const log = { sn: order.sn, amount: order.refundAmount, err: (err as Error).message };
      // CONFLICT: the payment was refunded otherwise (the provider gave all of it back on its
      // own); its REFUNDED event records that amount on the order (recordPaymentRefund).
      if (isDomainError(err)) this.deps.log.error(log, 'the payment service refused the refund of a REFUNDED order');
      else this.deps.log.warn(log, 'refund not confirmed by the payment service yet; the order sweep asks again');
    }
  }

  /**
   * Has the payment service give `amount` back for REFUNDED order `sn` and records its
   * confirmation. Safe to repeat and to run concurrently: the payment service refunds an order
   * once. Throws when the payment service cannot answer or refuses.
   */
  async payBack(sn: string, amount: number, reason = `${GUEST_REASON} (asked again)`): Promise<void> {
    const done = await paymentApi.refundOrder(sn, amount, reason, 'order');
    await this.em
      .getConnection()
      .execute(
        'update homestay_order set refund_confirmed_at = ? where sn = ? and trade_state = ? and refund_amount = ? and refund_confirmed_at is null',
        [new Date(), sn, STATE_CODE.REFUNDED, done.refundAmount],
        'run',
      );
  }

  /** REFUNDED orders whose payment has not confirmed their refund yet (the order sweep's backstop). */
  async unconfirmed(limit = 500): Promise<{ sn: string; amount: number }[]> {
    const rows = await this.em
      .getConnection()
      .execute<{ sn: string; refund_amount: number }[]>(
        'select sn, refund_amount from homestay_order where trade_state = ? and refund_confirmed_at is null and refund_amount > 0 and del_state = 0 order by id limit ?',
        [STATE_CODE.REFUNDED, limit],
      );
    return rows.map((r) => ({ sn: r.sn, amount: Number(r.refund_amount) }));
  }

  /**
   * The order's live payment was refunded for `amount` (its REFUNDED event, through the
   * payment-status consumer). A paid order becomes REFUNDED with that amount, already given back
   * (a refund the provider made on its own: the whole payment). An order already REFUNDED
   * records the amount as confirmed: normally the one it asked for; should the provider have
   * refunded the whole payment while a guest's smaller refund was being decided, what went back
   * is what the order keeps. Another state is CONFLICT (the consumer deals with those).
   */
  async recordPaymentRefund(sn: string, amount: number): Promise<{ changed: boolean; order: HomestayOrder }> {
    const now = new Date();
    const moved = await this.transitions.transition(sn, 'REFUNDED', { refundAmount: amount, refundConfirmedAt: now });
    const { order } = moved;
    if (moved.changed || (order.refundAmount === amount && order.refundConfirmedAt)) return moved;
    if (order.refundAmount !== null && order.refundAmount !== amount) {
      this.deps.log.warn({ sn, decided: order.refundAmount, refunded: amount }, 'the payment was refunded for another amount than the order decided; the order records what went back');
    }
    await this.em
      .getConnection()
      .execute(
        'update homestay_order set refund_amount = ?, refund_confirmed_at = coalesce(refund_confirmed_at, ?) where sn = ? and trade_state = ?',
        [amount, now, sn, STATE_CODE.REFUNDED],
        'run',
      );
    return { changed: false, order: await this.em.findOneOrFail(HomestayOrder, { sn }, { refresh: true }) };
  }
}
