import type { Producer } from 'kafkajs';
import type { MikroORM } from '../../db/index.js';
import { createKafka, topic } from '../../lib/kafka.js';
import type { Logger } from '../../lib/logger.js';
import { OutboxRelayLoop, type RelayOptions } from '../../lib/outbox-relay.js';
import type { Redis } from '../../lib/redis.js';

export type { RelayOptions };

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

/**
 * Publishes the payment outbox to Kafka (lib/outbox-relay.ts: oldest first, one relay at a time,
 * backoff while Kafka is down) and marks rows sent only once Kafka acknowledged them (acks = all),
 * so the events of one order reach their partition in the order they were written; a retried
 * batch may repeat events, which the consumer drops by eventId.
 */
export class OutboxRelay extends OutboxRelayLoop<OutboxRow> {
  constructor(orm: MikroORM, redis: Redis, log: Logger, opts: RelayOptions = {}) {
    let producer: Producer | null = null;
    let topicsReady = false;
    const ensureProducer = async (): Promise<Producer> => {
      if (producer) return producer;
      const kafka = createKafka('payment-outbox-relay');
      if (!topicsReady) {
        const admin = kafka.admin();
        try {
          await admin.connect();
          await admin.createTopics({ topics: [{ topic: topic('paymentUpdatePayStatus'), numPartitions: 3 }], waitForLeaders: true });
          topicsReady = true;
        } finally {
          await admin.disconnect().catch(() => undefined);
        }
      }
      // Few retries per send: the relay's own loop retries for as long as it takes.
      const p = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 2, initialRetryTime: 200 } });
      await p.connect();
      producer = p;
      return p;
    };
    const dropProducer = async () => {
      const dead = producer;
      producer = null;
      await dead?.disconnect().catch(() => undefined);
    };
    super(orm, redis, log, {
      table: 'payment_outbox',
      columns: 'id, topic, message_key, payload, headers',
      lease: 'payment-outbox-relay',
      async send(rows) {
        const p = await ensureProducer();
        const byTopic = new Map<string, OutboxRow[]>();
        for (const r of rows) (byTopic.get(r.topic) ?? byTopic.set(r.topic, []).get(r.topic)!).push(r);
        await p.sendBatch({
          acks: -1,
          topicMessages: [...byTopic].map(([t, rs]) => ({
            topic: t,
            messages: rs.map((r) => ({ key: r.message_key, value: r.payload, headers: messageHeaders(r.headers) })),
          })),
        });
      },
      // A fresh producer next time: kafkajs may keep a dead connection after a broker restart.
      reset: dropProducer,
      close: dropProducer,
    }, opts);
  }
}
