import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { EntityManager } from '../../lib/database.js';
import { config } from '../../lib/config.js';
import { conflict, domainError } from '../../lib/errors.js';
import { redisKey } from '../../lib/redis.js';
import { releaseLock, renewLock, tryLock } from '../../lib/redis-lock.js';
import { UNPAID_STATE_CODES } from './state-machine.js';

/**
 * No hoarding: a user holds at most ORDER_MAX_UNPAID_PER_USER WAIT_PAY orders at once, otherwise
 * one account could keep every room of a homestay for the whole pay window, again and again.
 *
 * Counting and then booking is a check-then-act, so the bookings of one user take turns on a
 * per-user Redis lock held from the count until the order row is stored: ten bookings fired at once
 * see 0, 1, 2, 3, … and only the first ones fit. The lock is renewed while the booking runs (its
 * calls to the homestay service may take seconds), so it never lapses under a live booking; a
 * crashed process leaves it for at most LOCK_TTL_MS. Other users never wait on it.
 */
const LOCK_TTL_MS = 10_000;
const RENEW_EVERY_MS = 3_000;
/** How long a booking waits for the user's earlier bookings before giving up. */
const WAIT_MS = 20_000;

export const unpaidCapReached = (limit: number) =>
  domainError('CONFLICT', `you already have ${limit} unpaid orders, the most allowed at once: pay or cancel one first`, { limit });

/**
 * Unpaid orders of the user: WAIT_PAY, and bookings still in flight (PENDING), which may become
 * WAIT_PAY. Counted up to `limit`: past it the exact number does not matter.
 */
export async function unpaidOrders(em: EntityManager, userId: string, limit: number): Promise<number> {
  const [row] = await em.getConnection().execute<{ n: number | string }[]>(
    `select count(*) as n from (select 1 from homestay_order where user_id = ? and trade_state in (${UNPAID_STATE_CODES.map(() => '?').join(', ')}) and del_state = 0 limit ?) t`,
    [userId, ...UNPAID_STATE_CODES, limit],
  );
  return Number(row?.n ?? 0);
}

/** Runs `book` (which stores one WAIT_PAY order) only while the user is under the cap, one booking of the user at a time. */
export async function withinUnpaidCap<T>(
  deps: { em: EntityManager; redis: Redis },
  userId: string,
  book: () => Promise<T>,
  limit: number = config().orderMaxUnpaidPerUser,
): Promise<T> {
  const lock = redisKey(`order-unpaid:${userId}`);
  const token = randomBytes(8).toString('hex');
  const deadline = Date.now() + WAIT_MS;
  while (!(await tryLock(deps.redis, lock, token, LOCK_TTL_MS))) {
    if (Date.now() > deadline) throw conflict('another booking of yours is still being made; try again');
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 20));
  }
  const renew = setInterval(() => void renewLock(deps.redis, lock, token, LOCK_TTL_MS).catch(() => undefined), RENEW_EVERY_MS);
  renew.unref();
  try {
    if ((await unpaidOrders(deps.em, userId, limit)) >= limit) throw unpaidCapReached(limit);
    return await book();
  } finally {
    clearInterval(renew);
    await releaseLock(deps.redis, lock, token).catch(() => undefined);
  }
}
