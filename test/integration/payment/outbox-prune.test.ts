import { paymentDatabase } from '../../../subgraphs/payment/database.js';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type MikroORM } from '../../../lib/database.js';
import { createLogger } from '../../../lib/logger.js';
import { topic } from '../../../lib/kafka.js';
import { createRedis, type Redis } from '../../../lib/redis.js';
import { OutboxRelay } from '../../../subgraphs/payment/outbox-relay.js';
import { testNamespace } from '../../support/gql.js';
import { query } from './support.js';

/** The outbox keeps sent rows for a while, then the relay deletes them; unsent rows are never touched. */
let orm: MikroORM;
let redis: Redis;

beforeAll(async () => {
  orm = await openDatabase(paymentDatabase, { dbName: `${testNamespace()}_payment` });
  redis = createRedis();
});
afterAll(async () => {
  redis?.disconnect();
  await orm?.close();
});

describe('outbox pruning', () => {
  it('deletes rows sent longer ago than keepSentMs, and nothing else', async () => {
    const ns = testNamespace();
    const ids = { oldSent: randomUUID(), oldUnsent: randomUUID(), recentSent: randomUUID() };
    // The real topic: the shared stack's relay may publish the unsent row meanwhile (its '{}' body is
    // a malformed event, which the consumer skips), but it must never be pruned.
    const insert = (eventId: string, sentAt: string | null) =>
      query(ns, 'payment', `insert into payment_outbox (event_id, topic, message_key, payload, sent_at, create_time) values (?, ?, 'prune-test', '{}', ${sentAt ?? 'null'}, now() - interval 3 day)`, [eventId, topic('paymentUpdatePayStatus')]);
    await insert(ids.oldSent, 'current_timestamp(3) - interval 2 day');
    await insert(ids.oldUnsent, null);
    await insert(ids.recentSent, 'current_timestamp(3) - interval 1 hour');

    const relay = new OutboxRelay(orm, redis, createLogger('test'), { keepSentMs: 24 * 3600_000 });
    expect(await relay.pruneSent()).toBeGreaterThanOrEqual(1);
    const left = (await query(ns, 'payment', 'select event_id from payment_outbox where event_id in (?, ?, ?)', Object.values(ids))).map((r) => r.event_id);
    // Unsent rows stay, however old: they still have to reach Kafka.
    expect(left.sort()).toEqual([ids.oldUnsent, ids.recentSent].sort());
  });
});
