import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { config, type Config } from './config.js';
import { rateLimited } from './errors.js';
import { rateLimitedTotal } from './metrics.js';
import { createRedis, redisKey, type Redis } from './redis.js';
import { createLogger, type Logger } from './logger.js';
import { RateLimitBatches } from './rate-limit-batches.js';

let moduleLog: Logger | undefined;
const log = () => (moduleLog ??= createLogger('rate-limits'));

/**
 * The platform's request limits (issue 13), counted in Redis inside the namespace so that every
 * gateway and service instance shares them. Each is a fixed window per key: past `points` calls,
 * a call is refused with RATE_LIMITED and `retryAfter`, the seconds until the window ends.
 *
 * While Redis cannot answer (down, or slower than a second), each process counts on its own in
 * memory instead (rate-limiter-flexible's insurance limiter): the limits get looser by the number
 * of instances, but neither fail every call nor stop limiting.
 */
export class RateLimit {
  private readonly limiter: RateLimiterRedis | null;
  private readonly batches: RateLimitBatches | null;

  constructor(
    /** Names the limit in Redis keys and in rate_limited_total{limit}. */
    readonly name: string,
    /** Calls per window per key; 0 turns the limit off. */
    readonly points: number,
    readonly windowSeconds: number,
    /** What is counted, for the error message: "sign-in attempts from this address". */
    private readonly what: string,
    redis: () => Redis,
    /**
     * failClosed: when neither Redis nor the insurance can count, refuse (throw) instead of letting
     * the call through: for a lockout guarding a secret, where an uncounted guess is the risk.
     * batchMs: count the calls of keys well below the limit here and send them to Redis together
     * every batchMs (lib/rate-limit-batches.ts); for a limit on every request, never on a lockout.
     */
    private readonly opts: { failClosed?: boolean; batchMs?: number } = {},
  ) {
    this.limiter =
      points > 0
        ? new RateLimiterRedis({
            storeClient: redis(),
            keyPrefix: redisKey(`rate-limit:${name}`),
            points,
            duration: windowSeconds,
            // Straight to the insurance when the connection is down, rather than waiting on it.
            rejectIfRedisNotReady: true,
            insuranceLimiter: new RateLimiterMemory({ points, duration: windowSeconds }),
          })
        : null;
    // Headroom for the calls other processes took and had not sent yet: a quarter of the limit.
    this.batches = this.limiter && opts.batchMs ? new RateLimitBatches(this.limiter, points, windowSeconds * 1000, opts.batchMs, Math.ceil(points / 4)) : null;
  }

  get enabled(): boolean {
    return this.limiter !== null;
  }

  /** Counts one call for `key`: 0 when it is within the limit, else the seconds until it would be (retryAfter). */
  async take(key: string): Promise<number> {
    if (!this.limiter) return 0;
    try {
      if (this.batches) {
        const ms = await this.batches.take(key);
        if (!ms) return 0;
        rateLimitedTotal.inc({ limit: this.name });
        return Math.max(1, Math.ceil(ms / 1000));
      }
      await this.limiter.consume(key);
      return 0;
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) {
        if (this.opts.failClosed) throw err;
        // Not a refusal but a failure of the insurance too: a limit must not fail the calls it guards.
        log().warn({ err, limit: this.name }, 'rate limit could not count a call; letting it through');
        return 0;
      }
      rateLimitedTotal.inc({ limit: this.name });
      return Math.max(1, Math.ceil(err.msBeforeNext / 1000));
    }
  }

  /** Counts one call for `key`; throws RATE_LIMITED (with retryAfter) when it is past the limit. */
  async consume(key: string): Promise<void> {
    const retryAfter = await this.take(key);
    if (retryAfter) throw rateLimited(this.message(retryAfter), retryAfter);
  }

  message(retryAfter: number): string {
    return `too many ${this.what}; retry in ${retryAfter}s`;
  }

  /** Gives back a counted call (a login counted as failed until its password proved right). */
  async refund(key: string): Promise<void> {
    await this.limiter?.reward(key, 1);
  }

  /** Sends the calls counted here and not yet in Redis (a batched limit, at shutdown). */
  async flush(): Promise<void> {
    await this.batches?.flush();
  }

  /**
   * Once `key` has spent its points, refuses it for `seconds` from now rather than until its
   * window ends (a lockout that runs from the last wrong attempt).
   */
  async lockIfSpent(key: string, seconds: number): Promise<void> {
    const res = await this.limiter?.get(key);
    if (res && res.remainingPoints <= 0) await this.limiter!.block(key, seconds);
  }
}

/** The connection the limits use: it fails fast (no queue while disconnected, 1 s per command) so the insurance takes over. */
let connection: Redis | undefined;
function limitsRedis(): Redis {
  if (!connection) {
    // Auto-pipelining: a batched limit's flush sends every key's count in one write.
    connection = createRedis({ enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 1000, enableAutoPipelining: true });
    // An outage shows in /readyz and in the other connections' logs; here it only means the insurance counts.
    connection.on('error', () => undefined);
  }
  return connection;
}

export function buildRateLimits(cfg: Config, redis: () => Redis = limitsRedis) {
  return {
    /** Every GraphQL request (HTTP) and socket operation per client address, at the gateway. */
    gatewayPerIp: new RateLimit('gateway-ip', cfg.rateLimitIpPerMinute, 60, 'requests from this address', redis, { batchMs: 20 }),
    /** login and register per client address (user service). */
    authPerIp: new RateLimit('auth-ip', cfg.rateLimitAuthPerIp, 3600, 'sign-in and sign-up attempts from this address', redis),
    /** Failed logins per mobile (user service): a login counts until its password proves right. */
    failedLoginPerMobile: new RateLimit('login-mobile', cfg.rateLimitLoginPerMobile, 15 * 60, 'failed sign-ins for this mobile', redis),
    /** payOrder (payment service) and requestRefund (order service) per user: both count against the same limit. */
    payPerUser: new RateLimit('pay-user', cfg.rateLimitPayPerUser, 60, 'payment requests', redis),
  };
}
export type RateLimits = ReturnType<typeof buildRateLimits>;

let limits: RateLimits | undefined;
/** The process's limits, from its configuration, built on first use. */
export function rateLimits(): RateLimits {
  limits ??= buildRateLimits(config());
  return limits;
}

/**
 * Builds the process's limits at start and waits (at most 2 s) for their Redis connection: calls
 * that came before it was ready would be counted by the insurance, apart from the shared count.
 * Without Redis the process starts all the same.
 */
export async function openRateLimits(): Promise<RateLimits> {
  const built = rateLimits();
  const c = connection;
  if (c && c.status !== 'ready') {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, 2000);
      c.once('ready', done);
      function done() {
        clearTimeout(timer);
        c!.off('ready', done);
        resolve();
      }
    });
  }
  return built;
}

/** Closes the limits' Redis connection (a process's shutdown). */
export async function closeRateLimits(): Promise<void> {
  const c = connection;
  const built = limits;
  connection = undefined;
  limits = undefined;
  if (built) await Promise.all(Object.values(built).map((l) => l.flush()));
  await c?.quit().catch(() => c.disconnect());
}
