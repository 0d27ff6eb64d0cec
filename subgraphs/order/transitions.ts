import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type DataLoader from 'dataloader';
import { batchWithin } from '../../lib/loader.js';
import type { EntityManager } from '../../lib/database.js';
import { conflict, notFound } from '../../lib/errors.js';
import { todayIn } from '../../lib/dates.js';
import type { OrderState } from '../../contracts/order.js';
import { HomestayOrder } from './entities.js';
import { deliver } from './events.js';
import { homestayApi } from './homestay-client.js';
import { paymentApi } from './payment-client.js';
import type { OrderQueries } from './queries.js';
import { STATE_CODE, stateOf, transition, transitionMany, type BatchTransition, type TradeState, type TransitionFields, type TransitionResult } from './state-machine.js';

export type MoveOptions = { paidAt?: Date; closedAt?: Date } & Pick<TransitionFields, 'refundAmount' | 'refundConfirmedAt'>;

export type CloseOutcome = 'closed' | 'already-closed' | 'not-waiting' | 'missing';

export interface TransitionDeps {
  /** Publishes state changes (events.ts). */
  redis: Redis;
  log: Logger;
}

/**
 * Orders paid at the same moment (the payment-status consumer applies many events at once) move
 * to WAIT_USE together: one transitionMany, 6 statements for all of them, instead of 5 each (read,
 * BEGIN, guarded UPDATE, change INSERT, COMMIT), which made the jobs process the payment
 * pipeline's bottleneck once callbacks got cheaper (bench/payments.ts). One batcher per database
 * connection pool; each caller gets its own order's outcome, as transition() gives it.
 */
const paidMovers = new WeakMap<object, DataLoader<{ sn: string; fields: TransitionFields }, BatchTransition>>();
function paidMover(em: EntityManager) {
  const conn = em.getConnection();
  let mover = paidMovers.get(conn);
  if (!mover) {
    mover = batchWithin<{ sn: string; fields: TransitionFields }, BatchTransition>(2, 50, async (moves) => {
      const fieldsOf = new Map(moves.map((m) => [m.sn, m.fields]));
      const moved = await transitionMany(em, [...fieldsOf.keys()], 'WAIT_USE', (sn) => fieldsOf.get(sn)!);
      // The same order twice in one batch (the close job and the sweep paying it at once): the
      // first caller moved it and delivers its change; a later one finds it paid, as transition()
      // would have told it, and delivers nothing (the change must be published once).
      const told = new Set<string>();
      return moves.map((m) => {
        const r = moved.get(m.sn) ?? null;
        if (!r || r === 'impossible') return r;
        if (told.has(m.sn)) return { changed: false, from: r.to, to: r.to, userId: r.userId };
        told.add(m.sn);
        return r;
      });
    });
    paidMovers.set(conn, mover);
  }
  return mover;
}

/** 8 characters a guest can read out at the front desk (no 0/O, 1/I). */
const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export function newTradeCode(): string {
  return [...randomBytes(8)].map((b) => CODE_ALPHABET[b % CODE_ALPHABET.length]).join('');
}

/**
 * The moves of an existing order (pay, cancel, close, settle, refund) with what each implies:
 * the change published, the nights released. state-machine.ts decides whether a move is allowed;
 * this is where its side effects happen, the same way for the subgraph, the internal API and the jobs.
 */
export class OrderTransitions {
  constructor(
    private readonly em: EntityManager,
    private readonly deps: TransitionDeps,
    private readonly queries: OrderQueries,
  ) {}

  /**
   * Moves an order through the state machine and does what the move implies: publishes the change,
   * releases the nights of a CANCELLED or REFUNDED order (also when the move was already done, to
   * finish a release that failed before; a release that fails now is left to the sweep).
   */
  async transition(sn: string, to: OrderState, opts: MoveOptions = {}) {
    const { changed, order } = await this.apply(sn, to, opts, true);
    return { changed, order: order! };
  }

  /**
   * transition() for a caller that needs only whether the order moved (the payment-status
   * consumer): the order is not read back, one query and one entity less per payment event.
   */
  async move(sn: string, to: OrderState, opts: MoveOptions = {}): Promise<{ changed: boolean }> {
    const { changed } = await this.apply(sn, to, opts, false);
    return { changed };
  }

  private async apply(sn: string, to: OrderState, opts: MoveOptions, readBack: boolean) {
    const fields: TransitionFields = {};
    if (to === 'WAIT_USE') {
      fields.paidAt = opts.paidAt ?? new Date();
      fields.tradeCode = newTradeCode();
    }
    if (to === 'CANCELLED') fields.closedAt = opts.closedAt ?? new Date();
    if (to === 'REFUNDED') {
      fields.refundAmount = opts.refundAmount;
      fields.refundConfirmedAt = opts.refundConfirmedAt;
    }
    const result = to === 'WAIT_USE' && !readBack && !this.em.getTransactionContext() ? await this.paidTogether(sn, fields) : await transition(this.em, sn, to, fields);
    if (!result) throw notFound('order');
    // Side by side: the change is committed, and a delivery never fails (the relay takes over).
    const [order] = await Promise.all([readBack ? this.em.findOneOrFail(HomestayOrder, { sn }, { refresh: true }) : undefined, this.deliver(result)]);
    if (to === 'CANCELLED' || to === 'REFUNDED') await this.releaseQuietly(sn);
    return { changed: result.changed, order };
  }

  /** transition(sn, 'WAIT_USE', fields), in a batch with the payments confirmed at the same moment. */
  private async paidTogether(sn: string, fields: TransitionFields): Promise<TransitionResult | null> {
    const result = await paidMover(this.em).load({ sn, fields });
    if (result === 'impossible') throw conflict(`order ${sn} cannot be paid in its state`);
    return result;
  }

  /**
   * The settlement of a finished stay (mq/settle-record.scheduler.ts): one settle_record per
   * order, for the order's total less what was refunded, in one transaction that holds the order's
   * row: a WAIT_USE order becomes USED with it (so the guarded transition decides between settling
   * and a refund, WAIT_USE → REFUNDED, or a check-in, which then finds it USED); a USED (checked-in)
   * order and one REFUNDED for less than its total get their record as they are. Changes nothing
   * for an order already settled, refunded in full, not yet ended, or otherwise moved (a race the
   * row lock has already decided). `changed`: a record was written.
   */
  async settle(sn: string): Promise<{ changed: boolean }> {
    const result = await this.em.transactional(async (tx) => {
      const conn = tx.getConnection();
      const trx = tx.getTransactionContext();
      const [order] = await conn.execute<{ trade_state: number; order_total_price: number; refund_amount: number | null; ended: number }[]>(
        `select trade_state, order_total_price, refund_amount, live_end_date < ? as ended
         from homestay_order where sn = ? and del_state = 0 for update`,
        [todayIn(), sn],
        'all',
        trx,
      );
      if (!order) return null;
      const [settled] = await conn.execute('select 1 from settle_record where order_sn = ?', [sn], 'all', trx);
      const amount = order.order_total_price - (order.refund_amount ?? 0);
      const state = stateOf(order.trade_state);
      const owed = state === 'WAIT_USE' || state === 'USED' || (state === 'REFUNDED' && order.refund_amount !== null && amount > 0);
      if (settled || !Number(order.ended) || !owed) return { moved: undefined, recorded: false };
      const moved = state === 'WAIT_USE' ? await transition(tx as EntityManager, sn, 'USED') : undefined;
      await conn.execute(
        `insert into settle_record (order_sn, business_id, homestay_id, amount, period_start, period_end)
         select sn, homestay_business_id, homestay_id, ?, live_start_date, live_end_date from homestay_order where sn = ?`,
        [amount, sn],
        'run',
        trx,
      );
      return { moved, recorded: true };
    });
    if (!result) throw notFound('order');
    if (result.moved) await this.deliver(result.moved);
    return { changed: result.recorded };
  }

  /** cancelOrder: the owner, while WAIT_PAY (a second cancel is a no-op; any other state CONFLICT). */
  async cancel(userId: string, sn: string): Promise<HomestayOrder> {
    const order = await this.queries.findForUser(userId, sn);
    if (!order) throw notFound('order');
    // As at the deadline, the payment side closes first: money the provider already took pays the
    // order (it is never refunded for a cancel that came a moment later), and a payment confirmed
    // after this finds itself FAILED and is given back.
    // The order is closed when its payments are: a confirmation after that is a late capture.
    const closedAt = new Date();
    if (order.tradeState === STATE_CODE.WAIT_PAY && (await paymentApi.closeForGuestCancel(sn)).outcome === 'paid') {
      throw conflict('this order has just been paid and can no longer be cancelled');
    }
    return (await this.transition(sn, 'CANCELLED', { closedAt })).order;
  }

  /**
   * The last step of closing (mq/close-order.worker.ts, after the payment service closed the
   * orders' payments): cancels each order only while WAIT_PAY; a paid (or otherwise moved) order
   * is left alone. One transaction and one release call for all of them (at a busy deadline
   * thousands close at once). Safe to run any number of times. Throws, for all of them, when the
   * homestay service is down, so their jobs retry with backoff.
   */
  async closeManyIfUnpaid(sns: readonly string[]): Promise<Map<string, CloseOutcome>> {
    const moved = await transitionMany(this.em, sns, 'CANCELLED', { closedAt: new Date() });
    const cancelled = [...moved].flatMap(([sn, r]) => (r && r !== 'impossible' ? [{ sn, r }] : []));
    // Side by side: a delivery never fails (the relay takes over), and the nights are free as soon
    // after the commit as can be. Also the ones already closed: finishes a release that failed before.
    await Promise.all([
      ...cancelled.map(({ r }) => this.deliver(r)),
      cancelled.length ? homestayApi.releaseMany(cancelled.map(({ sn }) => sn)) : undefined,
    ]);
    const outcomes = new Map<string, CloseOutcome>();
    for (const [sn, r] of moved) {
      // 'impossible': paid (or otherwise moved on) before the deadline; the payment won, nothing to close.
      outcomes.set(sn, r === null ? 'missing' : r === 'impossible' ? 'not-waiting' : r.changed ? 'closed' : 'already-closed');
    }
    return outcomes;
  }

  /** What closing needs to know first: each order's state and pay deadline (absent: no such order). */
  async payDeadlinesOf(sns: readonly string[]): Promise<Map<string, { state: TradeState; payDeadline: Date }>> {
    const unique = [...new Set(sns)];
    if (!unique.length) return new Map();
    const rows = await this.em
      .getConnection()
      .execute<{ sn: string; trade_state: number; pay_deadline: Date }[]>(
        `select sn, trade_state, pay_deadline from homestay_order where sn in (${unique.map(() => '?').join(',')}) and del_state = 0`,
        unique,
      );
    return new Map(rows.map((r) => [r.sn, { state: stateOf(r.trade_state), payDeadline: new Date(r.pay_deadline) }]));
  }

  /** WAIT_PAY orders past their deadline (the sweep's backstop for lost jobs). */
  async overdueSns(limit = 500): Promise<string[]> {
    const rows = await this.em
      .getConnection()
      .execute<{ sn: string }[]>(
        'select sn from homestay_order where trade_state = ? and pay_deadline <= ? and del_state = 0 order by pay_deadline limit ?',
        [STATE_CODE.WAIT_PAY, new Date(), limit],
      );
    return rows.map((r) => r.sn);
  }

  async releaseQuietly(sn: string): Promise<void> {
    try {
      await homestayApi.release(sn);
    } catch (err) {
      this.deps.log.warn({ err, sn }, 'release failed; the sweep will release it');
    }
  }

  /** Publishes a change the state machine recorded (events.ts); booking.ts confirms through it too. */
  async deliver(result: TransitionResult): Promise<void> {
    if (result.event) await deliver(this.em, this.deps.redis, this.deps.log, result.event);
  }
}
