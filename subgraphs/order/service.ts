import { createHash, randomBytes, randomInt } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { EntityManager } from '../../lib/database.js';
import { config } from '../../lib/config.js';
import { decodeCursor, pageSize, toConnection, type Connection, type PageArgs } from '../../lib/connection.js';
import { badInput, conflict, isDomainError, notFound } from '../../lib/errors.js';
import type { OrderState, OrderView } from '../../contracts/order.js';
import { redisKey } from '../../lib/redis.js';
import type { CloseOrderJob } from '../../contracts/queues.js';
import { CLOSE_ORDER_JOB_OPTIONS } from './mq/queues.js';
import { dateString, stamp, todayIn } from '../../lib/dates.js';
import { releaseLock, tryLock } from '../../lib/redis-lock.js';
import { ROW_TYPE_CODE, type RowType } from '../../contracts/homestay.js';
import { stayLength } from '../../contracts/stay.js';
import { HomestayOrder } from './entities.js';
import { homestayApi } from './homestay-client.js';
import { paymentApi } from './payment-client.js';
import { HIDDEN_STATE_CODES, STATE_CODE, publicStateOf, stateOf, transition, type TradeState, type TransitionFields, type TransitionResult } from './state-machine.js';
import { withTrace } from '../../lib/request-context.js';
import { withinUnpaidCap } from './unpaid-cap.js';
import { deliver } from './events.js';


export interface CreateOrderInput {
  homestayId: string;
  checkIn: string;
  checkOut: string;
  guests: number;
  needFood?: boolean | null;
  remark?: string | null;
  idempotencyKey?: string | null;
}

export interface OrderDeps {
  /** Publishes state changes (lib/order-events.ts). */
  redis: Redis;
  /** Where createHomestayOrder schedules the close-order job; absent in the jobs process. */
  closeQueue?: Queue<CloseOrderJob>;
  log: Logger;
}

/** HSO + yyyyMMddHHmmss (APP_TIMEZONE) + 8 random digits, as looklook. */
export function newOrderSn(at = new Date()): string {
  return `HSO${stamp(at)}${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;
}

/** 8 characters a guest can read out at the front desk (no 0/O, 1/I). */
const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export function newTradeCode(): string {
  return [...randomBytes(8)].map((b) => CODE_ALPHABET[b % CODE_ALPHABET.length]).join('');
}

/** The checks of createHomestayOrder that need nothing but the input (BAD_USER_INPUT, naming the field). */
export function checkOrderInput(input: CreateOrderInput, today: string = todayIn()): number {
  if (!Number.isInteger(input.guests) || input.guests < 1) throw badInput('input.guests', 'guests must be at least 1');
  if (input.checkIn < today) throw badInput('input.checkIn', `checkIn must be today (${today}) or later`);
  const nights = stayLength(input.checkIn, input.checkOut, 'input.checkOut');
  if (input.remark != null && [...input.remark].length > 255) throw badInput('input.remark', 'remark must be at most 255 characters');
  if (input.idempotencyKey != null && (input.idempotencyKey.length < 1 || input.idempotencyKey.length > 64)) {
    throw badInput('input.idempotencyKey', 'idempotencyKey must be 1 to 64 characters');
  }
  return nights;
}

export function priceOrder(h: { rowType: RowType; price: number; foodPrice: number }, guests: number, nights: number, needFood: boolean) {
  const homestayTotal = h.rowType === 'PER_PERSON' ? h.price * guests * nights : h.price * nights;
  const foodTotal = needFood ? h.foodPrice * guests * nights : 0;
  return { homestayTotal, foodTotal, total: homestayTotal + foodTotal };
}

/**
 * What a booking asks for, as a sha256 hex: the fields that make the order, with the schema's
 * defaults filled in (needFood false, no remark), so spelling a default out is the same input.
 */
export function inputFingerprint(input: CreateOrderInput): string {
  const canonical = [String(input.homestayId), input.checkIn, input.checkOut, input.guests, Boolean(input.needFood), input.remark ?? ''];
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

const timedOut = () => conflict('booking timed out, try again');

/** The order domain: booking, the state machine's side effects (events, releases), reads. */
export class OrderService {
  constructor(
    private readonly em: EntityManager,
    private readonly deps: OrderDeps,
  ) {}

  // ---------------------------------------------------------------- booking

  /**
   * createHomestayOrder. With an idempotencyKey, the same key and input return the first order
   * (its dates may be past by now, so nothing else is checked); the same key with other input is
   * a CONFLICT naming the key, as Stripe does.
   */
  async create(userId: string, input: CreateOrderInput, requestId?: string): Promise<HomestayOrder> {
    const key = input.idempotencyKey;
    if (!key || key.length > 64) return this.bookWithinCap(userId, input, requestId);
    const fingerprint = inputFingerprint(input);
    const first = () => this.em.findOne(HomestayOrder, { userId, idempotencyKey: key }, { refresh: true });
    /** The first order when it is one; throws when the key was used for other input. */
    const replay = (o: HomestayOrder | null): HomestayOrder | null => {
      if (!o) return null;
      // Rows stored before fingerprints existed have none: they replay as before.
      if (o.inputFingerprint && o.inputFingerprint !== fingerprint) {
        throw conflict(`idempotencyKey "${key}" was already used for a booking with different input`);
      }
      return HIDDEN_STATE_CODES.includes(o.tradeState) ? null : o;
    };
    const found = replay(await first());
    if (found) return found;
    // Requests racing with the same key take turns (a short Redis lock), so only the first one
    // reserves nights; the others wait for its order. The unique (user_id, idempotency_key) index
    // stays the last word should the lock expire.
    const lock = redisKey(`order-idempotency:${userId}:${key}`);
    const token = randomBytes(8).toString('hex');
    const deadline = Date.now() + 15_000;
    while (!(await tryLock(this.deps.redis, lock, token, 15_000))) {
      if (Date.now() > deadline) throw conflict(`an order with idempotencyKey "${key}" is still being created; try again`);
      await new Promise((r) => setTimeout(r, 25));
      const done = replay(await first());
      if (done) return done;
    }
    try {
      const current = await first();
      const done = replay(current);
      if (done) return done;
      // A booking with this key that stalled or died mid-way: the sweep settles it, then the key is free.
      if (current) throw conflict(`an order with idempotencyKey "${key}" is still being created; try again`);
      return await this.bookWithinCap(userId, input, requestId, fingerprint);
    } finally {
      await releaseLock(this.deps.redis, lock, token).catch(() => undefined);
    }
  }

  /** A new order only while the user holds fewer than ORDER_MAX_UNPAID_PER_USER unpaid ones (unpaid-cap.ts). */
  private async bookWithinCap(userId: string, input: CreateOrderInput, requestId?: string, fingerprint = inputFingerprint(input)): Promise<HomestayOrder> {
    // Bad input is told as such, also to a user at the cap (and costs no turn on the lock).
    checkOrderInput(input);
    return withinUnpaidCap({ em: this.em, redis: this.deps.redis }, userId, () => this.book(userId, input, requestId, fingerprint));
  }

  /**
   * The booking saga (README "Booking saga"): 1. store the order PENDING, 2. reserve its nights in
   * the homestay service, 3. confirm it PENDING → WAIT_PAY with a guarded UPDATE. The outcome of a
   * booking is decided by the one guarded UPDATE that takes its row out of PENDING, made by this
   * booking or, for a booking stalled or dead past ORDER_ORPHAN_AGE, by the sweep
   * (failStalePending); whoever loses sees 0 rows. A booking only ever becomes WAIT_PAY while its
   * row is PENDING, i.e. while nobody has released its nights.
   */
  private async book(userId: string, input: CreateOrderInput, requestId?: string, fingerprint = inputFingerprint(input)): Promise<HomestayOrder> {
    const nights = checkOrderInput(input);
    if (!/^\d{1,19}$/.test(input.homestayId)) throw notFound('homestay');
    const h = await homestayApi.get(input.homestayId, requestId);
    if (!h.onSale) throw conflict('homestay is not on sale');
    if (input.guests > h.peopleNum) throw badInput('input.guests', `this homestay takes at most ${h.peopleNum} guests`);
    const needFood = Boolean(input.needFood);
    const { homestayTotal, foodTotal, total } = priceOrder(h, input.guests, nights, needFood);
    if (total > 2_000_000_000) throw badInput('input.checkOut', 'the order total is too large');

    const now = new Date();
    const sn = newOrderSn(now);
    // 1. Durable before any remote step: every reservation the homestay service will ever hold for
    // this sn belongs to a row the sweep can see.
    const order = this.em.create(HomestayOrder, {
      sn,
      userId,
      homestayId: h.id,
      title: h.title,
      subTitle: h.subTitle ?? '',
      cover: h.cover ?? '',
      info: h.info ?? '',
      peopleNum: h.peopleNum,
      rowType: ROW_TYPE_CODE[h.rowType],
      foodInfo: h.foodInfo ?? '',
      foodPrice: h.foodPrice,
      homestayPrice: h.price,
      marketHomestayPrice: h.marketPrice ?? h.price,
      homestayBusinessId: h.businessId,
      homestayUserId: h.landlordId,
      needFood,
      liveStartDate: input.checkIn,
      liveEndDate: input.checkOut,
      livePeopleNum: input.guests,
      remark: input.remark ?? '',
      homestayTotalPrice: homestayTotal,
      foodTotalPrice: foodTotal,
      orderTotalPrice: total,
      tradeState: STATE_CODE.PENDING,
      payDeadline: new Date(now.getTime() + config().orderPayTimeoutMs),
      idempotencyKey: input.idempotencyKey ?? null,
      inputFingerprint: fingerprint,
    } as HomestayOrder);
    try {
      await this.em.flush();
    } catch (err) {
      this.em.clear();
      // The same idempotencyKey raced in from a second request past its lock: the first booking wins.
      if (err instanceof UniqueConstraintViolationException && input.idempotencyKey) {
        const first = await this.em.findOne(HomestayOrder, { userId, idempotencyKey: input.idempotencyKey });
        if (first && first.inputFingerprint && first.inputFingerprint !== fingerprint) {
          throw conflict(`idempotencyKey "${input.idempotencyKey}" was already used for a booking with different input`);
        }
        if (first && !HIDDEN_STATE_CODES.includes(first.tradeState)) return first;
        if (first) throw conflict(`an order with idempotencyKey "${input.idempotencyKey}" is still being created; try again`);
      }
      throw err;
    }

    // 2. Reserve: every night or none.
    try {
      await homestayApi.reserve({ sn, homestayId: h.id, checkIn: input.checkIn, checkOut: input.checkOut }, requestId);
    } catch (err) {
      if (isDomainError(err)) {
        // A definite refusal (SOLD_OUT; CONFLICT once the sweep released this sn): nothing is held,
        // and nothing of the booking stays unless the sweep already failed it.
        const discarded = await this.discardPending(sn).catch((e: unknown) => {
          this.deps.log.warn({ err: e, sn }, 'could not delete the refused booking; the sweep will fail it');
          return true;
        });
        if (!discarded) throw timedOut();
        throw err;
      }
      // No answer: the nights may be held. Fail the booking now and release, rather than leave
      // them to the sweep; if this fails too, the row stays PENDING and the sweep does it.
      await this.failAndRelease(sn);
      throw err;
    }

    // 3. Confirm, unless the sweep failed the booking meanwhile (its guarded UPDATE came first).
    let result: TransitionResult | null;
    try {
      result = await transition(this.em, sn, 'WAIT_PAY');
    } catch (err) {
      // CONFLICT: the booking is FAILED already (failing it again is a no-op that finishes the release).
      await this.failAndRelease(sn);
      throw (err as { extensions?: { code?: string } }).extensions?.code === 'CONFLICT' ? timedOut() : err;
    }
    if (!result) throw timedOut();
    const stored = await this.em.findOneOrFail(HomestayOrder, { sn }, { refresh: true });
    await this.scheduleClose(stored);
    await this.deliver(result);
    return stored;
  }

  /** Deletes a booking that reserved nothing; false when it is no longer PENDING (the sweep failed it). */
  private async discardPending(sn: string): Promise<boolean> {
    const res = await this.em
      .getConnection()
      .execute<{ affectedRows: number }>('delete from homestay_order where sn = ? and trade_state = ?', [sn, STATE_CODE.PENDING], 'run');
    return res.affectedRows === 1;
  }

  /**
   * PENDING → FAILED (freeing its idempotencyKey), then the release of whatever it may hold. Only a
   * FAILED booking is released: should the row have become WAIT_PAY after all (a confirmation whose
   * reply was lost), its nights stay with it.
   */
  private async failAndRelease(sn: string): Promise<void> {
    try {
      await transition(this.em, sn, 'FAILED', { idempotencyKey: null });
    } catch (err) {
      this.deps.log.warn({ err, sn }, 'could not fail the booking; the sweep will');
      return;
    }
    await this.releaseQuietly(sn);
  }

  /** A lost job is not a lost close: the sweep closes overdue orders too, so a failure is only logged. */
  private async scheduleClose(order: HomestayOrder): Promise<void> {
    if (!this.deps.closeQueue) return;
    try {
      await this.deps.closeQueue.add(
        'close-order',
        withTrace({ sn: order.sn }, 'close-order'),
        { ...CLOSE_ORDER_JOB_OPTIONS, jobId: order.sn, delay: Math.max(0, order.payDeadline.getTime() - Date.now()) },
      );
    } catch (err) {
      this.deps.log.error({ err, sn: order.sn }, 'could not schedule close-order; the sweep will close it');
    }
  }

  // ---------------------------------------------------------------- transitions

  /**
   * Moves an order through the state machine and does what the move implies: publishes the change,
   * releases the nights of a CANCELLED or REFUNDED order (also when the move was already done, to
   * finish a release that failed before; a release that fails now is left to the sweep).
   */
  async transition(sn: string, to: OrderState, opts: { paidAt?: Date; closedAt?: Date } = {}) {
    const fields: TransitionFields = {};
    if (to === 'WAIT_USE') {
      fields.paidAt = opts.paidAt ?? new Date();
      fields.tradeCode = newTradeCode();
    }
    if (to === 'CANCELLED') fields.closedAt = opts.closedAt ?? new Date();
    const result = await transition(this.em, sn, to, fields);
    if (!result) throw notFound('order');
    await this.deliver(result);
    const order = await this.em.findOneOrFail(HomestayOrder, { sn }, { refresh: true });
    if (to === 'CANCELLED' || to === 'REFUNDED') await this.releaseQuietly(sn);
    return { changed: result.changed, order };
  }

  /**
   * The settlement of a finished stay: WAIT_USE → USED and its settle_record commit together, so
   * the guarded transition alone decides between settling and refunding (WAIT_USE → REFUNDED):
   * whichever matches first wins, the other changes nothing. A settled order is a no-op; a
   * refunded (or otherwise moved) one is CONFLICT.
   */
  async settle(sn: string): Promise<{ changed: boolean }> {
    const result = await this.em.transactional(async (tx) => {
      const moved = await transition(tx as EntityManager, sn, 'USED');
      if (moved?.changed) {
        await tx.getConnection().execute(
          `insert into settle_record (order_sn, business_id, amount, period_start, period_end)
           select sn, homestay_business_id, order_total_price, live_start_date, live_end_date from homestay_order where sn = ?`,
          [sn],
          'run',
          tx.getTransactionContext(),
        );
      }
      return moved;
    });
    if (!result) throw notFound('order');
    await this.deliver(result);
    return { changed: result.changed };
  }

  /** cancelOrder: the owner, while WAIT_PAY (a second cancel is a no-op; any other state CONFLICT). */
  async cancel(userId: string, sn: string): Promise<HomestayOrder> {
    const order = await this.findForUser(userId, sn);
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
   * The last step of closing (jobs/close-order.worker.ts, after the payment service closed the
   * order's payments): cancels the order only while WAIT_PAY; a paid (or otherwise moved) order is
   * left alone. Safe to run any number of times. Throws when the homestay service is down, so the
   * job retries with backoff.
   */
  async closeIfUnpaid(sn: string): Promise<'closed' | 'already-closed' | 'not-waiting' | 'missing'> {
    // Lean on purpose (a transaction and one release call): at a busy deadline thousands run at once.
    let result;
    try {
      result = await transition(this.em, sn, 'CANCELLED', { closedAt: new Date() });
    } catch (err) {
      // Paid (or otherwise moved on) before the deadline: the payment won, nothing to close.
      if ((err as { extensions?: { code?: string } }).extensions?.code === 'CONFLICT') return 'not-waiting';
      throw err;
    }
    if (!result) return 'missing';
    await this.deliver(result);
    // Also when it was already closed: finishes a release that failed on an earlier run.
    await homestayApi.release(sn);
    return result.changed ? 'closed' : 'already-closed';
  }

  /** What closing needs to know first: the state and pay deadline (null: no such order). */
  async payDeadlineOf(sn: string): Promise<{ state: TradeState; payDeadline: Date } | null> {
    const [row] = await this.em
      .getConnection()
      .execute<{ trade_state: number; pay_deadline: Date }[]>('select trade_state, pay_deadline from homestay_order where sn = ? and del_state = 0', [sn]);
    return row ? { state: stateOf(row.trade_state), payDeadline: new Date(row.pay_deadline) } : null;
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

  /** Bookings PENDING for longer than `olderThanMs`: stalled or dead between their steps. */
  async stalePendingSns(olderThanMs: number, limit = 500): Promise<string[]> {
    const rows = await this.em
      .getConnection()
      .execute<{ sn: string }[]>(
        'select sn from homestay_order where trade_state = ? and create_time < ? and del_state = 0 order by id limit ?',
        [STATE_CODE.PENDING, new Date(Date.now() - olderThanMs), limit],
      );
    return rows.map((r) => r.sn);
  }

  /**
   * The sweep's side of the booking saga: fails a stale PENDING booking with the guarded UPDATE
   * the booking itself would use to confirm, and only then releases its nights. 'confirmed' when
   * the booking won the race (its nights stay). Throws when the release fails (the next sweep
   * finds the FAILED booking's reservation and retries).
   */
  async failStalePending(sn: string): Promise<'failed' | 'confirmed' | 'missing'> {
    let result;
    try {
      result = await transition(this.em, sn, 'FAILED', { idempotencyKey: null });
    } catch (err) {
      if ((err as { extensions?: { code?: string } }).extensions?.code === 'CONFLICT') return 'confirmed';
      throw err;
    }
    if (!result) return 'missing';
    await homestayApi.release(sn);
    return 'failed';
  }

  /**
   * Of the given reservation sns, those with no live order: no order row (impossible for a booking
   * since the row comes first, but a reservation made by hand or a crash of older code), or a
   * CANCELLED, REFUNDED or FAILED one. A PENDING booking counts as live: failStalePending decides
   * for those.
   */
  async orphanedSns(sns: string[]): Promise<string[]> {
    if (!sns.length) return [];
    const rows = await this.em.find(HomestayOrder, { sn: { $in: sns } }, { fields: ['sn', 'tradeState'] });
    const dead = new Set([STATE_CODE.CANCELLED, STATE_CODE.REFUNDED, STATE_CODE.FAILED]);
    const live = new Set(rows.filter((r) => !dead.has(r.tradeState)).map((r) => r.sn));
    return sns.filter((sn) => !live.has(sn));
  }

  async releaseQuietly(sn: string): Promise<void> {
    try {
      await homestayApi.release(sn);
    } catch (err) {
      this.deps.log.warn({ err, sn }, 'release failed; the sweep will release it');
    }
  }

  private async deliver(result: TransitionResult): Promise<void> {
    if (result.event) await deliver(this.em, this.deps.redis, this.deps.log, result.event);
  }

  // ---------------------------------------------------------------- reads
  // A booking still in the saga (PENDING) or failed in it is no order yet: no read shows it.

  async findForUser(userId: string, sn: string): Promise<HomestayOrder | null> {
    const order = await this.em.findOne(HomestayOrder, { sn, delState: 0, tradeState: { $nin: HIDDEN_STATE_CODES } });
    return order && order.userId === userId ? order : null;
  }

  findBySns(sns: readonly string[]): Promise<HomestayOrder[]> {
    return this.em.find(HomestayOrder, { sn: { $in: [...sns] }, delState: 0, tradeState: { $nin: HIDDEN_STATE_CODES } });
  }

  /** Newest first (id descending), keyset paginated on id. */
  async listForUser(userId: string, args: PageArgs & { state?: OrderState | null }): Promise<Connection<HomestayOrder>> {
    const size = pageSize(args.first);
    const after = decodeCursor(args.after, 1);
    const where: Record<string, unknown> = { userId, delState: 0 };
    where.tradeState = args.state ? STATE_CODE[args.state] : { $nin: HIDDEN_STATE_CODES };
    if (after) {
      if (!/^\d+$/.test(String(after[0]))) throw badInput('after', 'after is not a valid cursor');
      where.id = { $lt: String(after[0]) };
    }
    const rows = await this.em.find(HomestayOrder, where, { orderBy: { id: 'desc' }, limit: size + 1 });
    return toConnection(rows, size, (o) => [String(o.id)], Boolean(after));
  }

  async view(sn: string): Promise<OrderView> {
    const order = await this.em.findOne(HomestayOrder, { sn, delState: 0, tradeState: { $nin: HIDDEN_STATE_CODES } }, { refresh: true });
    if (!order) throw notFound('order');
    return toView(order);
  }

  /** WAIT_USE orders whose checkOut date has passed in APP_TIMEZONE (for the settle-record job). */
  async dueForSettlement(limit: number): Promise<OrderView[]> {
    const rows = await this.em.find(
      HomestayOrder,
      { tradeState: STATE_CODE.WAIT_USE, liveEndDate: { $lt: todayIn() }, delState: 0 },
      { orderBy: { id: 'asc' }, limit: Math.min(Math.max(1, limit || 100), 1000) },
    );
    return rows.map(toView);
  }
}

export function toView(o: HomestayOrder): OrderView {
  return {
    sn: o.sn,
    userId: String(o.userId),
    homestayId: String(o.homestayId),
    businessId: String(o.homestayBusinessId),
    title: o.title,
    state: publicStateOf(o.tradeState),
    total: o.orderTotalPrice,
    checkIn: dateString(o.liveStartDate),
    checkOut: dateString(o.liveEndDate),
    tradeCode: o.tradeCode,
    paidAt: o.paidAt ? o.paidAt.toISOString() : null,
    payDeadline: o.payDeadline.toISOString(),
  };
}
