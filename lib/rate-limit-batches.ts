import { RateLimiterRes, type RateLimiterRedis } from 'rate-limiter-flexible';

interface Entry {
  /** The key's count in Redis at its last answer (every process's calls). */
  seen: number;
  /** Calls taken here and not sent to Redis yet. */
  pending: number;
  /** When the key's window ends (from Redis's answer; until then a guess). */
  resetAt: number;
}

/**
 * A limit's calls counted in this process and sent to Redis together, every `flushMs`, while a key
 * is well below its limit; near it, each call goes to Redis at once, as without batching.
 *
 * Why: the gateway's per-address limit cost every GraphQL request a Redis round trip, and on `me`
 * the gateway served 14-15 % more requests without it (bench/user-me.ts, back to back): the write
 * and read on the Redis socket are among the gateway's dearest system calls. A client far below its
 * limit (almost every client, almost always) cannot be refused, so its calls only need counting,
 * and the counts of a few milliseconds, of every address, go to Redis as one pipelined write.
 *
 * What it keeps: one count for all processes (the same Redis keys and windows as the unbatched
 * limit); exact refusals near the limit, as long as the calls of one address across all gateways
 * within one flush stay under `margin` (the calls another process took but had not sent yet are
 * what a process cannot see). A key already known to be past its limit is refused here without
 * asking Redis, until its window ends. Counts not sent when the process stops are lost (at most
 * `flushMs` of them). While Redis cannot answer, the limiter's insurance counts, as before.
 */
export class RateLimitBatches {
  private readonly entries = new Map<string, Entry>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly limiter: RateLimiterRedis,
    private readonly points: number,
    private readonly windowMs: number,
    private readonly flushMs: number,
    /** Calls of headroom below the limit under which a key is counted here. */
    private readonly margin: number,
  ) {}

  /** Counts one call: 0 when within the limit, else the milliseconds until it would be. */
  async take(key: string): Promise<number> {
    const now = Date.now();
    let entry = this.entries.get(key);
    // A window that ended takes its unsent calls with it: Redis has forgotten that window too.
    if (entry && now >= entry.resetAt) entry = undefined;
    if (!entry) this.entries.set(key, (entry = { seen: 0, pending: 0, resetAt: now + this.windowMs }));
    if (entry.seen >= this.points) return entry.resetAt - now;
    if (entry.seen + entry.pending + 1 <= this.points - this.margin) {
      entry.pending++;
      this.timer ??= setTimeout(() => void this.flush(), this.flushMs).unref();
      return 0;
    }
    const n = entry.pending + 1;
    entry.pending = 0;
    return this.send(key, entry, n);
  }

  /** Sends every key's unsent calls (one pipelined write on an auto-pipelining connection). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const now = Date.now();
    const sends: Promise<number>[] = [];
    for (const [key, entry] of this.entries) {
      if (entry.pending > 0) {
        const n = entry.pending;
        entry.pending = 0;
        // A failure here (Redis and the insurance both) loses these counts, not a request.
        sends.push(this.send(key, entry, n).catch(() => 0));
      } else if (now >= entry.resetAt) this.entries.delete(key);
    }
    this.flushing = Promise.all(sends).then(() => undefined);
    return this.flushing;
  }

  /** Adds `n` calls to the key's count in Redis; the answer updates what this process knows of it. */
  private async send(key: string, entry: Entry, n: number): Promise<number> {
    try {
      const res = await this.limiter.consume(key, n);
      this.learn(entry, res);
      return 0;
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      this.learn(entry, err);
      return Math.max(1, err.msBeforeNext);
    }
  }

  private learn(entry: Entry, res: RateLimiterRes) {
    entry.seen = res.consumedPoints;
    entry.resetAt = Date.now() + res.msBeforeNext;
  }
}
