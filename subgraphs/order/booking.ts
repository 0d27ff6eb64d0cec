import { randomBytes } from 'node:crypto';
import type { HomestayInfo } from '../../contracts/homestay.js';
import { releaseLock, tryLock } from '../../lib/redis-lock.js';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { Queue } from 'bullmq';
import type { EntityManager } from '../../lib/database.js';
import { config } from '../../lib/config.js';
import { badInput, conflict, isDomainError, notFound } from '../../lib/errors.js';
import { redisKey } from '../../lib/redis.js';
import type { CloseOrderJob } from '../../contracts/queues.js';
import { withTrace } from '../../lib/request-context.js';
import { CLOSE_ORDER_JOB_OPTIONS } from './mq/queues.js';
import { bookedSnapshot, checkOrderInput, inputFingerprint, newOrderSn, type CreateOrderInput } from './booking-rules.js';
import { HomestayOrder } from './entities.js';
import { homestayApi } from './homestay-client.js';
import { HIDDEN_STATE_CODES, STATE_CODE, transition, type BookedSnapshot, type TransitionResult } from './state-machine.js';
import type { OrderTransitions, TransitionDeps } from './transitions.js';
import { withinUnpaidCap } from './unpaid-cap.js';

export interface BookingDeps extends TransitionDeps {
  /** Where createHomestayOrder schedules the close-order job; absent in the jobs process. */
  closeQueue?: Queue<CloseOrderJob>;
}


const timedOut = () => conflict('booking timed out, try again');

/**
 * A refusal of the reserve as the client sees it: the reserve's fields are named as the booking
 * input's (contracts/homestay.ts ReserveInput), so its BAD_USER_INPUT names `input.<field>`.
 */
function asClientInput(err: unknown): unknown {
  const { code, argumentName } = (err as { extensions?: { code?: string; argumentName?: unknown } }).extensions ?? {};
  if (code !== 'BAD_USER_INPUT' || typeof argumentName !== 'string') return err;
  return badInput(`input.${argumentName}`, (err as Error).message);
}

/**
 * The booking saga, both sides of it: the booking itself (create) and the sweep's recovery of
 * bookings stalled between their steps (stalePendingSns, failStalePending, orphanedSns). They sit
 * together because they race on the same guarded PENDING UPDATE and only make sense read as a pair.
 */
export class OrderBooking {
  constructor(
    private readonly em: EntityManager,
    private readonly deps: BookingDeps,
    private readonly transitions: OrderTransitions,
  ) {}

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
    const needFood = Boolean(input.needFood);

    const now = new Date();
    const sn = newOrderSn(now);
    // create_time keeps whole seconds: the order returned below is the row as stored, without reading it back.
    const created = new Date(Math.floor(now.getTime() / 1000) * 1000);
    // 1. Durable before any remote step: every reservation the homestay service will ever hold for
    // this sn belongs to a row the sweep can see. The homestay's snapshot and the prices are not
    // known yet (the reserve answers with them, read where the nights are taken): the confirmation
    // writes them (BookedSnapshot), and until then the row is PENDING, which no read shows. A plain
    // INSERT (em.insert), not a flush: the unit of work would wrap it in a transaction and read the
    // version column back, four round trips for one row (the booking profile, issue 15).
    const row = {
      sn,
      userId,
      homestayId: input.homestayId,
      title: '',
      subTitle: '',
      cover: '',
      info: '',
      peopleNum: 0,
      rowType: 0,
      foodInfo: '',
      foodPrice: 0,
      homestayPrice: 0,
      marketHomestayPrice: 0,
      homestayBusinessId: '0',
      homestayUserId: '0',
      needFood,
      liveStartDate: input.checkIn,
      liveEndDate: input.checkOut,
      livePeopleNum: input.guests,
      remark: input.remark ?? '',
      homestayTotalPrice: 0,
      foodTotalPrice: 0,
      orderTotalPrice: 0,
      tradeState: STATE_CODE.PENDING,
      payDeadline: new Date(now.getTime() + config().orderPayTimeoutMs),
      idempotencyKey: input.idempotencyKey ?? null,
      inputFingerprint: fingerprint,
      createTime: created,
      updateTime: created,
      delState: 0,
      version: 0,
    };
    let id: unknown;
    try {
      id = await this.em.insert(HomestayOrder, row);
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

    // 2. Reserve: every night or none, in a homestay on sale that takes the guests.
    let homestay: HomestayInfo;
    try {
      ({ homestay } = await homestayApi.reserve(
        { sn, homestayId: input.homestayId, checkIn: input.checkIn, checkOut: input.checkOut, guests: input.guests },
        requestId,
      ));
    } catch (err) {
      if (isDomainError(err)) {
        // A definite refusal (SOLD_OUT, NOT_FOUND, not on sale, too many guests; CONFLICT once the
        // sweep released this sn): nothing is held, and nothing of the booking stays unless the
        // sweep already failed it.
        const discarded = await this.discardPending(sn).catch((e: unknown) => {
          this.deps.log.warn({ err: e, sn }, 'could not delete the refused booking; the sweep will fail it');
          return true;
        });
        if (!discarded) throw timedOut();
        throw asClientInput(err);
      }
      // No answer: the nights may be held. Fail the booking now and release, rather than leave
      // them to the sweep; if this fails too, the row stays PENDING and the sweep does it.
      await this.failAndRelease(sn);
      throw err;
    }
    let booked: BookedSnapshot;
    try {
      booked = bookedSnapshot(homestay, input.guests, nights, needFood);
    } catch (err) {
      await this.failAndRelease(sn);
      throw err;
    }

    // 3. Confirm with the snapshot, unless the sweep failed the booking meanwhile (its guarded UPDATE came first).
    let result: TransitionResult | null;
    try {
      result = await transition(this.em, sn, 'WAIT_PAY', { booked }, { state: 'PENDING', userId });
    } catch (err) {
      // CONFLICT: the booking is FAILED already (failing it again is a no-op that finishes the release).
      await this.failAndRelease(sn);
      throw (err as { extensions?: { code?: string } }).extensions?.code === 'CONFLICT' ? timedOut() : err;
    }
    if (!result) throw timedOut();
    // The order as stored: the row inserted, completed by the confirmation's UPDATE (its snapshot,
    // the state, the version), with no statement to read it back.
    const stored = this.em.merge(HomestayOrder, { ...row, ...booked, id: String(id), tradeState: STATE_CODE.WAIT_PAY, version: row.version + 1 });
    await this.scheduleClose(stored);
    await this.transitions.deliver(result);
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
    await this.transitions.releaseQuietly(sn);
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

  /** Bookings PENDING for longer than `olderThanMs`: stalled or dead between their steps. */
  async stalePendingSns(olderThanMs: number, limit = 500): Promise<string[]> {
    const rows = await this.em
      .getConnection()
      .execute<{ sn: string }[]>(
        'select sn from homestay_order where trade_state = ? and create_time < ? and del_state = 0 order by id limit ?',
        // create_time holds whole seconds (truncated): a row may look up to a second older than it
        // is, and a booking still between its steps must never be taken for a stalled one.
        [STATE_CODE.PENDING, new Date(Date.now() - olderThanMs - 1000), limit],
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
}
