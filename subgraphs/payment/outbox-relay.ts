import type { Producer, Transaction } from 'kafkajs';
import type { MikroORM } from '../../lib/database.js';
import { kafkaName } from '../../lib/config.js';
import { createKafka, ensureTopic } from '../../lib/kafka.js';
import type { Logger } from '../../lib/logger.js';
import { LeaseLost, OutboxRelayLoop, type Lease, type OutboxTable, type RelayOptions as LoopOptions } from '../../lib/outbox-relay.js';
import type { Redis } from '../../lib/redis.js';

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

export interface RelayOptions extends LoopOptions {
  /** Wraps the Kafka producer the relay creates (tests make it slow). */
  wrapProducer?: (producer: Producer) => Producer;
}

/** The broker refused this producer's epoch: a newer holder registered the transactional id. */
const isFenced = (err: unknown) => /INVALID_PRODUCER_EPOCH|PRODUCER_FENCED/.test(String((err as { type?: unknown })?.type ?? ''));

/** The Kafka end of the payment outbox: one transactional producer, replaced whenever it may be dead or fenced. */
class KafkaSink implements OutboxTable<OutboxRow> {
  readonly table = 'payment_outbox';
  readonly columns = 'id, topic, message_key, payload, headers';
  readonly lease = 'payment-outbox-relay';
  private producer: Producer | null = null;
  private topicsReady = false;
  private readonly transactionalId = kafkaName('payment-outbox-relay');

  constructor(private readonly wrapProducer: (producer: Producer) => Producer = (p) => p) {}

  async beforeRead(newLease: boolean): Promise<void> {
    // A new tenure: the producer of an earlier one may carry an epoch another holder has fenced since.
    if (newLease) await this.reset();
    await this.ensureProducer();
  }

  async send(rows: OutboxRow[], lease: Lease): Promise<void> {
    const producer = await this.ensureProducer();
    const byTopic = new Map<string, OutboxRow[]>();
    for (const r of rows) (byTopic.get(r.topic) ?? byTopic.set(r.topic, []).get(r.topic)!).push(r);
    let tx: Transaction | null = null;
    try {
      tx = await producer.transaction();
      await tx.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([t, rs]) => ({
          topic: t,
          messages: rs.map((r) => ({ key: r.message_key, value: r.payload, headers: messageHeaders(r.headers) })),
        })),
      });
      await lease.assertHeld();
      await tx.commit();
    } catch (err) {
      await tx?.abort().catch(() => undefined);
      throw fenced(err);
    }
  }

  /** A fresh producer next time: kafkajs may keep a dead connection after a broker restart, and a fenced producer stays fenced. */
  async reset(): Promise<void> {
    const dead = this.producer;
    this.producer = null;
    await dead?.disconnect().catch(() => undefined);
  }

  close(): Promise<void> {
    return this.reset();
  }

  private async ensureProducer(): Promise<Producer> {
    if (this.producer) return this.producer;
    const kafka = createKafka('payment-outbox-relay');
    if (!this.topicsReady) {
      await ensureTopic(kafka, 'paymentUpdatePayStatus');
      this.topicsReady = true;
    }
    // Few retries per send: the relay's own loop retries the whole batch for as long as it takes.
    const producer = this.wrapProducer(kafka.producer({
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
}

/** A fenced producer lost the lease as surely as an expired key: no backoff, the new holder publishes. */
function fenced(err: unknown): unknown {
  return isFenced(err) ? new LeaseLost('fenced: a newer holder registered the transactional id', { cause: err }) : err;
}

/**
 * Publishes the payment outbox to Kafka, oldest first, and marks rows sent only once Kafka
 * acknowledged them. While Kafka is down it retries with backoff, in the background: callbacks
 * keep committing rows meanwhile. One relay at a time (a Redis lease; the loop is
 * lib/outbox-relay.ts), so the events of one order reach their partition in the order they were
 * written; a retried batch may repeat events, which the consumer drops by eventId.
 *
 * The lease alone cannot stop a holder that lost it without noticing (paused past its lifetime, a
 * Redis failover) from publishing beside the next one, and a published message cannot be taken
 * back. So each batch is a Kafka transaction under one transactional id shared by every relay:
 * a new holder registers that id before it reads a row, which bumps the producer epoch (the
 * fencing token), aborts the old holder's open transaction and makes the broker refuse its writes
 * and its commit; consumers read committed only. The loop renews the lease while a batch is out
 * and the sink checks it before committing, so a slow batch keeps the lease instead of losing it.
 */
export class OutboxRelay extends OutboxRelayLoop<OutboxRow> {
  constructor(orm: MikroORM, redis: Redis, log: Logger, opts: RelayOptions = {}) {
    const { wrapProducer, ...loop } = opts;
    super(orm, redis, log, new KafkaSink(wrapProducer), loop);
  }
}
