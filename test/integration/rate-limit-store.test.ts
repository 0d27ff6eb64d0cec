import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { testNamespace } from '../support/gql.js';

process.env.NAMESPACE = testNamespace();
const { RateLimit } = await import('../../lib/rate-limits.js');
const { Redis } = await import('../../lib/redis.js');

/** lib/rate-limits.ts on the real Redis: what two processes share, and what happens without Redis. */
const connections: InstanceType<typeof Redis>[] = [];
const redisAt = (url: string) => {
  const c = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 1000 });
  c.on('error', () => undefined);
  connections.push(c);
  return c;
};
const sharedRedis = () => redisAt(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const uniqueName = () => `test-${randomBytes(4).toString('hex')}`;
const ready = (c: InstanceType<typeof Redis>) => new Promise((r) => (c.status === 'ready' ? r(undefined) : c.once('ready', r)));

afterAll(() => {
  for (const c of connections) c.disconnect();
});

describe('RateLimit', () => {
  it('is one count for every process that shares the Redis', async () => {
    const name = uniqueName();
    const [one, two] = [sharedRedis(), sharedRedis()];
    await Promise.all([ready(one), ready(two)]);
    const inOne = new RateLimit(name, 3, 60, 'calls', () => one);
    const inTwo = new RateLimit(name, 3, 60, 'calls', () => two);
    expect([await inOne.take('k'), await inTwo.take('k'), await inOne.take('k')]).toEqual([0, 0, 0]);
    const retryAfter = await inTwo.take('k');
    expect(retryAfter).toBeGreaterThanOrEqual(59);
    expect(retryAfter).toBeLessThanOrEqual(60);
    await expect(inOne.consume('k')).rejects.toMatchObject({ extensions: { code: 'RATE_LIMITED', retryAfter: expect.any(Number) } });
    // Another key has its own count; a refund gives one call back.
    expect(await inOne.take('other')).toBe(0);
    const refunded = new RateLimit(uniqueName(), 1, 60, 'calls', () => one);
    expect(await refunded.take('k')).toBe(0);
    await refunded.refund('k');
    expect(await refunded.take('k')).toBe(0);
    expect(await refunded.take('k')).toBeGreaterThan(0);
  });

  it('keeps limiting, per process and at once, while Redis cannot be reached', async () => {
    const down = redisAt(`redis://127.0.0.1:${await freePort()}`);
    const limit = new RateLimit(uniqueName(), 2, 60, 'calls', () => down);
    const started = performance.now();
    expect([await limit.take('k'), await limit.take('k')]).toEqual([0, 0]);
    expect(await limit.take('k')).toBeGreaterThan(0);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('is off at 0 points', async () => {
    const limit = new RateLimit(uniqueName(), 0, 60, 'calls', () => {
      throw new Error('no Redis needed');
    });
    expect(limit.enabled).toBe(false);
    for (let i = 0; i < 5; i++) expect(await limit.take('k')).toBe(0);
  });
});
