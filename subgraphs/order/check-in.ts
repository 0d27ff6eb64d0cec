import { createHash, timingSafeEqual } from 'node:crypto';
import { dateString, todayIn } from '../../lib/dates.js';
import { badInput, conflict, forbidden, notFound } from '../../lib/errors.js';
import { RateLimit } from '../../lib/rate-limits.js';
import type { Redis } from '../../lib/redis.js';
import type { HomestayOrder } from './entities.js';
import type { OrderQueries } from './queries.js';
import { publicStateOf } from './state-machine.js';
import type { OrderTransitions } from './transitions.js';

/** Wrong codes one order takes before its check-in is locked, and for how long. */
export const CHECK_IN_MAX_WRONG_CODES = 5;
export const CHECK_IN_LOCKOUT_SECONDS = 15 * 60;

/**
 * The guard against guessing a trade code, counted per order in Redis (so every order-service
 * instance shares it; the in-memory insurance counts while Redis cannot). Every attempt takes a
 * point first, so parallel guesses cannot slip past the count; a right code gives its point back.
 * The fifth wrong code within the window locks the order for the full 15 minutes from then, and a
 * locked order refuses every attempt, the right code included. Unlike the request limits it fails
 * closed: a guess that cannot be counted is refused.
 */
// One per Redis connection (per process): the insurance's count lives in it.
const lockouts = new WeakMap<Redis, RateLimit>();
const lockoutOn = (redis: Redis) =>
  lockouts.get(redis) ??
  lockouts
    .set(redis, new RateLimit('check-in', CHECK_IN_MAX_WRONG_CODES, CHECK_IN_LOCKOUT_SECONDS, 'wrong check-in codes for this order', () => redis, { failClosed: true }))
    .get(redis)!;

const digest = (code: string) => createHash('sha256').update(code).digest();
/** Compared as digests: equal lengths for timingSafeEqual, and nothing of the code leaks through timing. */
const sameCode = (given: string, tradeCode: string | null) => tradeCode !== null && timingSafeEqual(digest(given), digest(tradeCode.toUpperCase()));

/** checkIn: the landlord confirms the guest arrived with the code the guest was given when paying. */
export class OrderCheckIn {
  constructor(
    private readonly deps: { redis: Redis },
    private readonly queries: OrderQueries,
    private readonly transitions: OrderTransitions,
  ) {}

  async checkIn(landlordId: string, sn: string, code: string): Promise<HomestayOrder> {
    const [order] = await this.queries.findBySns([sn]);
    if (!order) throw notFound('order');
    if (String(order.homestayUserId) !== landlordId) throw forbidden("only the order's landlord checks its guest in");
    const state = publicStateOf(order.tradeState);
    if (state !== 'WAIT_USE' && state !== 'USED') throw conflict(`order ${sn} is ${state}: there is no stay to check in`);
    const firstDay = dateString(order.liveStartDate);
    if (state === 'WAIT_USE' && firstDay > todayIn()) throw conflict(`check-in opens on ${firstDay}, the first day of the stay`);
    const given = code.trim().toUpperCase();
    if (!given) throw badInput('code', 'code is required');

    const lockout = lockoutOn(this.deps.redis);
    await lockout.consume(sn);
    if (!sameCode(given, order.tradeCode)) {
      await lockout.lockIfSpent(sn, CHECK_IN_LOCKOUT_SECONDS);
      throw badInput('code', 'wrong check-in code');
    }
    await lockout.refund(sn);
    // The guarded transition: a refund or the settlement that got there first wins (CONFLICT, or USED already).
    return (await this.transitions.transition(sn, 'USED')).order;
  }
}
