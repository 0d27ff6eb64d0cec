import type { Redis } from './redis.js';

/**
 * A Redis lock held under a random token. Release and renewal compare the token first (one Lua
 * script each, atomic on the server): a holder whose lock expired and was taken by another never
 * deletes or extends the new holder's lock.
 */
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
const RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";

/** Takes the lock when free; true when `token` now holds it for ttlMs. */
export async function tryLock(redis: Redis, key: string, token: string, ttlMs: number): Promise<boolean> {
  return (await redis.set(key, token, 'PX', ttlMs, 'NX')) === 'OK';
}

/** Extends the lock to ttlMs from now; false when `token` no longer holds it. */
export async function renewLock(redis: Redis, key: string, token: string, ttlMs: number): Promise<boolean> {
  return Number(await redis.eval(RENEW, 1, key, token, String(ttlMs))) === 1;
}

/** Deletes the lock if `token` still holds it; false when it had already lapsed. */
export async function releaseLock(redis: Redis, key: string, token: string): Promise<boolean> {
  return Number(await redis.eval(RELEASE, 1, key, token)) === 1;
}
