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

  it('batched (the gateway per-address limit): counts far below the limit reach Redis together, and refusals near it are exact across processes', async () => {
    const name = uniqueName();
    const [one, two, reader] = [sharedRedis(), sharedRedis(), sharedRedis()];
    await Promise.all([ready(one), ready(two), ready(reader)]);
    // 40 points: the first 30 calls of each process are counted in memory, sent every 20 ms.
    const inOne = new RateLimit(name, 40, 60, 'calls', () => one, { batchMs: 20 });
    const inTwo = new RateLimit(name, 40, 60, 'calls', () => two, { batchMs: 20 });
    const stored = async () => Number((await reader.get(`${process.env.NAMESPACE}:rate-limit:${name}:k`)) ?? 0);
    for (let i = 0; i < 5; i++) expect(await inOne.take('k')).toBe(0);
    expect(await stored()).toBe(0);
    await new Promise((r) => setTimeout(r, 60));
    expect(await stored()).toBe(5);
    // Alternating processes, slower than a flush (as the calls of one client are): 40 in all pass, then none.
    const answers: number[] = [];
    for (let i = 5; i < 50; i++) {
      answers.push(await (i % 2 ? inTwo : inOne).take('k'));
      if (i % 4 === 0) await new Promise((r) => setTimeout(r, 30));
    }
    expect(answers.filter((a) => a === 0)).toHaveLength(35);
    expect(answers.slice(0, 35).every((a) => a === 0)).toBe(true);
    for (const refused of answers.slice(35)) {
      expect(refused).toBeGreaterThanOrEqual(59);
      expect(refused).toBeLessThanOrEqual(60);
    }
    await inOne.flush();
    await inTwo.flush();
    expect(await stored()).toBeGreaterThanOrEqual(40);
  });

  it('batched, keeps limiting while Redis cannot be reached', async () => {
    const down = redisAt(`redis://127.0.0.1:${await freePort()}`);
    const limit = new RateLimit(uniqueName(), 8, 60, 'calls', () => down, { batchMs: 20 });
    const answers: number[] = [];
    for (let i = 0; i < 12; i++) {
      answers.push(await limit.take('k'));
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(answers.slice(0, 8)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(answers.slice(8).every((a) => a > 0)).toBe(true);
  });

  it('is off at 0 points', async () => {
    const limit = new RateLimit(uniqueName(), 0, 60, 'calls', () => {
      throw new Error('no Redis needed');
    });
    expect(limit.enabled).toBe(false);
    for (let i = 0; i < 5; i++) expect(await limit.take('k')).toBe(0);
  });
});
