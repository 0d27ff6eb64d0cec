import { randomUUID } from 'node:crypto';
import type { Producer, Transaction } from 'kafkajs';
import type { MikroORM } from '../../db/index.js';
import { kafkaName } from '../../lib/config.js';
import { createKafka, topic } from '../../lib/kafka.js';
import type { Logger } from '../../lib/logger.js';
import { redisKey, type Redis } from '../../lib/redis.js';

/** The stored trace headers, or none when the column is empty or unreadable (never worth a stuck event). */
function messageHeaders(json: string | null): Record<string, string> | undefined {
  if (!json) return undefined;
  try {
    const h = JSON.parse(json) as unknown;
    if (!h || typeof h !== 'object') return undefined;
    return Object.fromEntries(Object.entries(h).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return undefined;
  }
}

interface OutboxRow {
  id: string;
  topic: string;
  message_key: string;
  payload: string;
  headers: string | null;
}

export interface RelayOptions {
  /** Rows published per round. */
  batchSize?: number;
  /** How often unsent rows are looked for when nothing wakes the relay (written by another instance, say). */
  pollMs?: number;
  /** Longest wait between two attempts while Kafka refuses. */
  maxBackoffMs?: number;
  /** How long sent rows stay (for inspection and replays) before the relay deletes them. */
  keepSentMs?: number;
  /** Lifetime of the relay's Redis lease (tests shorten it). */
  leaseMs?: number;
  /** Wraps the Kafka producer the relay creates (tests make it slow). */
  wrapProducer?: (producer: Producer) => Producer;
}

/** Sent rows are pruned at most this often, a bounded batch at a time. */
const PRUNE_EVERY_MS = 60_000;
const PRUNE_BATCH = 1000;

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const LOCK_TTL_MS = 30_000;

/** The lease ended while a batch was out: the batch is aborted, the new holder publishes it. */
class LeaseLost extends Error {}
/** The broker refused this producer's epoch: a newer holder registered the transactional id. */
const isFenced = (err: unknown) => /INVALID_PRODUCER_EPOCH|PRODUCER_FENCED/.test(String((err as { type?: unknown })?.type ?? ''));

/**
 * Publishes the payment outbox to Kafka, oldest first, and marks rows sent only once Kafka
 * acknowledged them. While Kafka is down it retries with backoff, in the background: callbacks
 * keep committing rows meanwhile. One relay at a time (a Redis lease), so the events of one order
 * reach their partition in the order they were written; a retried batch may repeat events, which
 * the consumer drops by eventId.
 *
 * The lease alone cannot stop a holder that lost it without noticing (paused past its lifetime, a
 * Redis failover) from publishing beside the next one, and a published message cannot be taken
 * back. So each batch is a Kafka transaction under one transactional id shared by every relay:
 * a new holder registers that id before it reads a row, which bumps the producer epoch (the
 * fencing token), aborts the old holder's open transaction and makes the broker refuse its writes
 * and its commit; consumers read committed only. The holder renews its lease while a batch is out
 * and checks it before committing, so a slow batch keeps the lease instead of losing it.
 */
export class OutboxRelay {
  private producer: Producer | null = null;
  private topicsReady = false;
  private stopped = false;
  private wakeUp: (() => void) | null = null;
  private pending = false;
  private loop: Promise<void> | null = null;
  private readonly token = randomUUID();
  private readonly lockKey = redisKey('payment-outbox-relay');
  private readonly transactionalId = kafkaName('payment-outbox-relay');
  private readonly opts: Required<RelayOptions>;
  private lastPrune = 0;
  /** Counters for the benchmark and /readyz-style checks. */
  readonly stats = { published: 0, failures: 0 };

  constructor(
    private readonly orm: MikroORM,
    private readonly redis: Redis,
    private readonly log: Logger,
    opts: RelayOptions = {},
  ) {
    this.opts = { batchSize: 200, pollMs: 1000, maxBackoffMs: 5000, keepSentMs: 7 * 24 * 3600_000, leaseMs: LOCK_TTL_MS, wrapProducer: (p) => p, ...opts };
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
    await this.redis.eval(RELEASE, 1, this.lockKey, this.token).catch(() => undefined);
    await this.producer?.disconnect().catch(() => undefined);
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
    return Number(await this.redis.eval(RENEW, 1, this.lockKey, this.token, String(this.opts.leaseMs))) === 1;
  }

  private async holdLease(): Promise<boolean> {
    if (await this.renewLease()) return true;
    if ((await this.redis.set(this.lockKey, this.token, 'PX', this.opts.leaseMs, 'NX')) !== 'OK') return false;
    // A new tenure: the producer of an earlier one may carry an epoch another holder has fenced since.
    await this.dropProducer();
    return true;
  }

  /** Renews the lease every third of its lifetime while a batch is out, and remembers losing it. */
  private keepLease() {
    let lost = false;
    const timer = setInterval(() => {
      // A Redis error is no verdict: the check before the commit asks again.
      this.renewLease().then((held) => void (lost ||= !held), () => undefined);
    }, Math.max(50, Math.floor(this.opts.leaseMs / 3)));
    return {
      lost: () => lost,
      stop: () => clearInterval(timer),
    };
  }

  private async dropProducer(): Promise<void> {
    const dead = this.producer;
    this.producer = null;
    await dead?.disconnect().catch(() => undefined);
  }

  private async ensureProducer(): Promise<Producer> {
    if (this.producer) return this.producer;
    const kafka = createKafka('payment-outbox-relay');
    if (!this.topicsReady) {
      const admin = kafka.admin();
      try {
        await admin.connect();
        await admin.createTopics({ topics: [{ topic: topic('paymentUpdatePayStatus'), numPartitions: 3 }], waitForLeaders: true });
        this.topicsReady = true;
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    }
    // Few retries per send: the relay's own loop retries the whole batch for as long as it takes.
    const producer = this.opts.wrapProducer(kafka.producer({
      allowAutoTopicCreation: false,
      transactionalId: this.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      retry: { retries: 2, initialRetryTime: 200 },
    }));
    await producer.connect();
    try {
      // Registers the transactional id now, before any row is read: from here on the broker
      // refuses the previous holder (an empty transaction ends without a broker call).
      await (await producer.transaction()).abort();
    } catch (err) {
      await producer.disconnect().catch(() => undefined);
      throw err;
    }
    this.producer = producer;
    return producer;
  }

  /** Deletes rows sent longer than keepSentMs ago, so the outbox does not grow forever. */
  async pruneSent(): Promise<number> {
    const res = await this.orm.em.getConnection().execute<{ affectedRows: number }>(
      'delete from payment_outbox where sent_at is not null and sent_at < current_timestamp(3) - interval ? microsecond order by id limit ?',
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
      if (pruned) this.log.info({ pruned }, 'pruned sent outbox rows');
    } catch (err) {
      this.lastPrune = Date.now();
      this.log.warn({ err: (err as Error).message }, 'outbox prune failed');
    }
  }

  private async run(): Promise<void> {
    let backoff = 200;
    while (!this.stopped) {
      let rows: OutboxRow[] = [];
      let lease: ReturnType<OutboxRelay['keepLease']> | null = null;
      let tx: Transaction | null = null;
      try {
        if (!(await this.holdLease())) {
          await this.sleep(this.opts.pollMs);
          continue;
        }
        lease = this.keepLease();
        if (Date.now() - this.lastPrune > PRUNE_EVERY_MS) await this.pruneQuietly();
        this.pending = false;
        const producer = await this.ensureProducer();
        rows = await this.orm.em.getConnection().execute<OutboxRow[]>(
          'select id, topic, message_key, payload, headers from payment_outbox where sent_at is null order by id limit ?',
          [this.opts.batchSize],
        );
        if (!rows.length) {
          lease.stop();
          if (!this.pending) await this.sleep(this.opts.pollMs);
          continue;
        }
        const byTopic = new Map<string, OutboxRow[]>();
        for (const r of rows) (byTopic.get(r.topic) ?? byTopic.set(r.topic, []).get(r.topic)!).push(r);
        tx = await producer.transaction();
        await tx.sendBatch({
          acks: -1,
          topicMessages: [...byTopic].map(([t, rs]) => ({
            topic: t,
            messages: rs.map((r) => ({ key: r.message_key, value: r.payload, headers: messageHeaders(r.headers) })),
          })),
        });
        if (lease.lost() || !(await this.renewLease())) throw new LeaseLost();
        await tx.commit();
        tx = null;
        await this.orm.em.getConnection().execute(
          `update payment_outbox set sent_at = current_timestamp(3), attempts = attempts + 1 where id in (${rows.map(() => '?').join(',')})`,
          rows.map((r) => r.id),
          'run',
        );
        this.stats.published += rows.length;
        backoff = 200;
      } catch (err) {
        await tx?.abort().catch(() => undefined);
        if (err instanceof LeaseLost || isFenced(err)) {
          // Not a Kafka failure: the loop asks for the lease again at once, and waits as a non-holder.
          this.log.warn({ unsent: rows.length, fenced: isFenced(err) }, 'outbox relay lost its lease mid-batch; the batch was aborted');
          await this.dropProducer();
          continue;
        }
        this.stats.failures += 1;
        this.log.warn({ err: (err as Error).message, unsent: rows.length, retryInMs: backoff }, 'outbox relay could not publish; retrying');
        if (rows.length) {
          await this.orm.em.getConnection()
            .execute(`update payment_outbox set attempts = attempts + 1 where id in (${rows.map(() => '?').join(',')})`, rows.map((r) => r.id), 'run')
            .catch(() => undefined);
        }
        // A fresh producer next time: kafkajs may keep a dead connection after a broker restart, and
        // a fenced producer stays fenced.
        await this.dropProducer();
        // Not cut short by wake(): callbacks arriving during an outage must not spin the loop.
        await new Promise((resolve) => setTimeout(resolve, this.stopped ? 0 : backoff));
        backoff = Math.min(backoff * 2, this.opts.maxBackoffMs);
      } finally {
        lease?.stop();
      }
    }
  }
}
