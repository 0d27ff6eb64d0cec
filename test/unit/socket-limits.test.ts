import { describe, expect, it } from 'vitest';
import { SocketLimits, TokenBucket, UserSockets } from '../../gateway/socket-limits.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('socket limits', () => {
  it('a token bucket grants its capacity at once, then refuses with the seconds to wait, then refills', async () => {
    const bucket = new TokenBucket(3, 20);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([0, 0, 0]);
    expect(bucket.take()).toBe(1);
    await sleep(120); // 20/s: two tokens back
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([0, 0, 1]);
    expect(new TokenBucket(1, 0).take()).toBe(0); // a rate of 0 is off
  });

  it('an operation holds its slot until released, even after it was cancelled', () => {
    const limits = new SocketLimits(2, 0);
    const a = limits.admit();
    const b = limits.admit();
    expect(limits.admit()).toEqual({ full: true });
    if (!('release' in a) || !('release' in b)) throw new Error('not admitted');
    const cancelled: string[] = [];
    a.cancels({ return: () => cancelled.push('a') });
    // What graphql-ws does on `complete` before the subscription exists: the operation stands in for it.
    void a.return();
    expect(cancelled).toEqual(['a']);
    expect(a.isCancelled).toBe(true);
    expect(limits.size).toBe(2); // the owner check is still running
    a.release();
    a.release(); // idempotent
    expect(limits.size).toBe(1);
    expect('release' in limits.admit()).toBe(true);
    // A target added after the cancel is ended at once; cancelAll reaches every operation.
    a.cancels({ return: () => cancelled.push('late') });
    limits.cancelAll();
    expect(b.isCancelled).toBe(true);
    expect(cancelled).toEqual(['a', 'late']);
  });

  it('past the rate an operation is refused before it is counted', () => {
    const limits = new SocketLimits(5, 1);
    for (let i = 0; i < 5; i++) expect('release' in limits.admit()).toBe(true);
    expect(limits.admit()).toEqual({ retryAfter: 1 });
    expect(limits.size).toBe(5);
  });

  it('counts sockets per user up to the limit', () => {
    const users = new UserSockets(2);
    expect([users.acquire('1'), users.acquire('1'), users.acquire('1'), users.acquire('2')]).toEqual([true, true, false, true]);
    users.release('1');
    expect(users.acquire('1')).toBe(true);
    users.release('1');
    users.release('1');
    users.release('2');
    expect(users.users).toBe(0);
    expect(new UserSockets(0).acquire('1')).toBe(true);
  });
});
