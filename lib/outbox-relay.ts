import { randomUUID } from 'node:crypto';
import { IsolationLevel } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from './database.js';
import type { Logger } from './logger.js';
import { redisKey, type Redis } from './redis.js';
import { releaseLock, renewLock, tryLock } from './redis-lock.js';

/**
 * The relay loop of a transactional outbox, shared by the payment outbox (to Kafka) and the order
 * state-change record (to Redis pub/sub). A writer commits its rows in the transaction of the
 * change they describe; the relay publishes unsent rows oldest first (by id), marks them sent only
 * once the sink accepted them, and retries with backoff while the sink is away. One relay at a
 * time across processes (a Redis lease), so rows leave in the order they were written; a batch
 * retried after a failure may repeat rows, which consumers drop by the event id each row carries.
 *
 * The lease is renewed while a round is out, so a slow sink keeps it. It cannot stop a holder that
 * lost it unawares (paused past its lifetime, a Redis failover) from sending beside the next one:
 * a sink that must not repeat rows fences the old holder itself, with beforeRead() and
 * lease.assertHeld() (see the payment relay).
 */
export interface OutboxTable<Row extends { id: string }> {
  /** The table: needs `id` (auto-increment), `sent_at datetime(3) null`, `attempts int`, and an index on (sent_at, id). */
  table: string;
  /** Columns the sink needs, `id` among them. */
  columns: string;
  /** Redis lease name (inside the namespace). */
  lease: string;
  /** A condition unsent rows must also meet to be taken now, with its parameters. */
  ready?: { sql: string; params: () => unknown[] };
  /**
   * Runs each round with the lease held, before any row is read. `newLease` is true from the round
   * that took the lease until a call with true returns: the previous holder may still be at work.
   * A throw counts as a failed round.
   */
  beforeRead?(newLease: boolean): Promise<void>;
  /** Delivers rows in the given order; throws when they may not all have arrived. */
  send(rows: Row[], lease: Lease): Promise<void>;
  /** After a failed or abandoned round: drop connections that may be dead or stale. */
  reset?(): Promise<void>;
  /** On stop. */
  close?(): Promise<void>;
}

export interface RelayOptions {
  /** Rows published per round. */
  batchSize?: number;
  /** How often unsent rows are looked for when nothing wakes the relay (written by another instance, say). */
  pollMs?: number;
  /** Longest wait between two attempts while the sink refuses. */
  maxBackoffMs?: number;
  /** How long sent rows stay (for inspection and replays) before the relay deletes them. */
  keepSentMs?: number;
  /** Lifetime of the Redis lease (tests shorten it). */
  leaseMs?: number;
}

export interface Lease {
  /** Throws LeaseLost unless this relay still holds the lease (renewing it): a sink calls it before an irrevocable step. */
  assertHeld(): Promise<void>;
}

/** The lease ended during a round: the round is given up without backoff, the next holder sends its rows. */
export class LeaseLost extends Error {
  constructor(message = 'the relay lease was lost', options?: ErrorOptions) {
    super(message, options);
  }
}

type Connection = ReturnType<EntityManager['getConnection']>;

/**
 * Updates outbox rows by id (marking them sent, counting an attempt) in a READ COMMITTED
 * transaction of its own. The ids of a batch are consecutive more often than not, and
 * `id in (12, 13, …, 49)` is then a range scan of the primary key, which under REPEATABLE READ
 * also locks the row after the range: a row a writer has inserted and not committed yet. The
 * update then waited for that writer's commit, and every event behind it with it (up to 2 s per
 * relay round under load in bench/payments.ts; test: outbox-mark.test.ts).
 */
export async function updateOutboxRows(conn: Connection, table: string, sets: string, ids: readonly string[], where = ''): Promise<void> {
  await conn.transactional(
    (trx) => conn.execute(`update ${table} set ${sets} where id in (${ids.map(() => '?').join(',')})${where}`, [...ids], 'run', trx),
    { isolationLevel: IsolationLevel.READ_COMMITTED },
  );
}

/** Sent rows are pruned at most this often, a bounded batch at a time. */
const PRUNE_EVERY_MS = 60_000;
const PRUNE_BATCH = 1000;

const LOCK_TTL_MS = 30_000;

export class OutboxRelayLoop<Row extends { id: string }> {
  private stopped = false;
  private wakeUp: (() => void) | null = null;
  private pending = false;
  private loop: Promise<void> | null = null;
  private readonly token = randomUUID();
  private readonly lockKey: string;
  private readonly opts: Required<RelayOptions>;
  private lastPrune = 0;
  private newLease = false;
  /** Counters for the benchmark and tests. */
  readonly stats = { published: 0, failures: 0 };

  constructor(
    protected readonly orm: MikroORM,
    private readonly redis: Redis,
    protected readonly log: Logger,
    private readonly outbox: OutboxTable<Row>,
    opts: RelayOptions = {},
  ) {
    this.opts = { batchSize: 200, pollMs: 1000, maxBackoffMs: 5000, keepSentMs: 7 * 24 * 3600_000, leaseMs: LOCK_TTL_MS, ...opts };
    this.lockKey = redisKey(outbox.lease);
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Something was written: publish now instead of at the next poll. */
  wake(): void {
    this.pending = true;
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp?.();
    await this.loop;
    await releaseLock(this.redis, this.lockKey, this.token).catch(() => undefined);
    await this.outbox.close?.().catch(() => undefined);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = null;
        done();
      };
    });
  }

  private async renewLease(): Promise<boolean> {
    return renewLock(this.redis, this.lockKey, this.token, this.opts.leaseMs);
  }

  private async holdLease(): Promise<boolean> {
    if (await this.renewLease()) return true;
    if (!(await tryLock(this.redis, this.lockKey, this.token, this.opts.leaseMs))) return false;
    this.newLease = true;
    return true;
  }

  /** Renews the lease every third of its lifetime while a round is out, and remembers losing it. */
  private keepLease(): Lease & { stop(): void } {
    let lost = false;
    const timer = setInterval(() => {
      // A Redis error is no verdict: assertHeld() asks again.
      this.renewLease().then((held) => void (lost ||= !held), () => undefined);
    }, Math.max(50, Math.floor(this.opts.leaseMs / 3)));
    return {
      assertHeld: async () => {
        if (lost || !(await this.renewLease())) throw new LeaseLost();
      },
      stop: () => clearInterval(timer),
    };
  }

  /** Deletes rows sent longer than keepSentMs ago, so the outbox does not grow forever. */
  async pruneSent(): Promise<number> {
    const res = await this.orm.em.getConnection().execute<{ affectedRows: number }>(
      `delete from ${this.outbox.table} where sent_at is not null and sent_at < current_timestamp(3) - interval ? microsecond order by id limit ?`,
      [this.opts.keepSentMs * 1000, PRUNE_BATCH],
      'run',
    );
    this.lastPrune = Date.now();
    return res.affectedRows;
  }

  /** Pruning is housekeeping: a failure is logged and never holds up publishing. */
  private async pruneQuietly(): Promise<void> {
    try {
      const pruned = await this.pruneSent();
      if (pruned) this.log.info({ pruned, table: this.outbox.table }, 'pruned sent outbox rows');
    } catch (err) {
      this.lastPrune = Date.now();
      this.log.warn({ err: (err as Error).message, table: this.outbox.table }, 'outbox prune failed');
    }
  }

  private mark(rows: Row[], sets: string): Promise<void> {
    return updateOutboxRows(this.orm.em.getConnection(), this.outbox.table, sets, rows.map((r) => r.id));
  }

  private async run(): Promise<void> {
    const { table, columns, ready } = this.outbox;
    let backoff = 200;
    while (!this.stopped) {
      let rows: Row[] = [];
      let lease: (Lease & { stop(): void }) | null = null;
      try {
        if (!(await this.holdLease())) {
          await this.sleep(this.opts.pollMs);
          continue;
        }
        lease = this.keepLease();
        if (Date.now() - this.lastPrune > PRUNE_EVERY_MS) await this.pruneQuietly();
        this.pending = false;
        if (this.outbox.beforeRead) {
          await this.outbox.beforeRead(this.newLease);
          this.newLease = false;
        }
        rows = await this.orm.em.getConnection().execute<Row[]>(
          `select ${columns} from ${table} where sent_at is null${ready ? ` and ${ready.sql}` : ''} order by id limit ?`,
          [...(ready?.params() ?? []), this.opts.batchSize],
        );
        if (!rows.length) {
          lease.stop();
          if (!this.pending) await this.sleep(this.opts.pollMs);
          continue;
        }
        await this.outbox.send(rows, lease);
        await this.mark(rows, 'sent_at = current_timestamp(3), attempts = attempts + 1');
        this.stats.published += rows.length;
        backoff = 200;
      } catch (err) {
        await this.outbox.reset?.().catch(() => undefined);
        if (err instanceof LeaseLost) {
          // Not a sink failure: the loop asks for the lease again at once, and waits as a non-holder.
          this.log.warn({ why: err.message, table, unsent: rows.length }, 'outbox relay lost its lease mid-batch; the batch was given up');
          continue;
        }
        this.stats.failures += 1;
        this.log.warn({ err: (err as Error).message, table, unsent: rows.length, retryInMs: backoff }, 'outbox relay could not publish; retrying');
        if (rows.length) {
          await this.mark(rows, 'attempts = attempts + 1').catch(() => undefined);
        }
        // Not cut short by wake(): writes arriving during an outage must not spin the loop.
        await new Promise((resolve) => setTimeout(resolve, this.stopped ? 0 : backoff));
        backoff = Math.min(backoff * 2, this.opts.maxBackoffMs);
      } finally {
        lease?.stop();
      }
    }
  }
}
