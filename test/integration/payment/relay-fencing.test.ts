import { randomBytes, randomUUID } from 'node:crypto';
import type { Kafka, Producer, Transaction } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MikroORM } from '../../../lib/database.js';
import type { Redis } from '../../../lib/redis.js';
import type { OutboxRelay, RelayOptions } from '../../../subgraphs/payment/outbox-relay.js';
import { ownPaymentNamespace, silentLog as log, waitFor } from './support.js';

/**
 * Two outbox relays racing for the lease, driven directly: a namespace of its own (its own
 * payment database, lease key, transactional id and topic), so no relay of the shared stack
 * publishes these rows.
 */
let own: Awaited<ReturnType<typeof ownPaymentNamespace>>;
let orm: MikroORM;
let redis: Redis;
let kafka: Kafka;
let Relay: typeof OutboxRelay;
let topicName: string;
let lockKey: string;
const relays: OutboxRelay[] = [];

beforeAll(async () => {
  own = await ownPaymentNamespace('rf');
  ({ orm, redis } = own);
  const k = await import('../../../lib/kafka.js');
  kafka = k.createKafka('relay-fencing-test');
  topicName = k.topic('paymentUpdatePayStatus');
  lockKey = (await import('../../../lib/redis.js')).redisKey('payment-outbox-relay');
  Relay = (await import('../../../subgraphs/payment/outbox-relay.js')).OutboxRelay;
});

afterAll(async () => {
  await Promise.all(relays.map((r) => r.stop()));
  await own?.close();
}, 60_000);

const relay = (opts: RelayOptions) => {
  const r = new Relay(orm, redis, log, { pollMs: 100, maxBackoffMs: 500, ...opts });
  relays.push(r);
  r.start();
  return r;
};

/** Three events for each of two orders, interleaved, as callbacks would write them. */
async function writeEvents() {
  const tag = randomBytes(3).toString('hex');
  const rows: { eventId: string; key: string; seq: number }[] = [];
  for (let seq = 1; seq <= 3; seq++) {
    for (const key of [`A${tag}`, `B${tag}`]) rows.push({ eventId: randomUUID(), key, seq });
  }
  const conn = orm.em.getConnection();
  for (const r of rows) {
    await conn.execute('insert into payment_outbox (event_id, topic, message_key, payload) values (?, ?, ?, ?)', [r.eventId, topicName, r.key, JSON.stringify(r)]);
  }
  return rows;
}

const unsent = async (rows: { eventId: string }[]) =>
  Number((await orm.em.getConnection().execute(`select count(*) n from payment_outbox where sent_at is null and event_id in (${rows.map(() => '?').join(',')})`, rows.map((r) => r.eventId)))[0].n);

/**
 * A producer whose first publish stops at a gate the test opens: the relay's transaction commit
 * (or, for a relay that publishes without one, its send) waits there, as a slow broker would.
 */
function gate() {
  let open!: () => void;
  let reached!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  const atGate = new Promise<void>((r) => (reached = r));
  let used = false;
  const hold = async () => {
    if (used) return;
    used = true;
    reached();
    await opened;
  };
  const wrap = (p: Producer): Producer => ({
    ...p,
    sendBatch: async (batch) => {
      await hold();
      return p.sendBatch(batch);
    },
    transaction: async () => {
      const tx = await p.transaction();
      return { ...tx, commit: async () => { await hold(); return tx.commit(); } } as Transaction;
    },
  });
  return { wrap, open, atGate };
}

/** Everything a read-committed consumer sees on the topic, up to marker messages sent last. */
async function published(): Promise<{ eventId: string; key: string; seq: number }[]> {
  const producer = kafka.producer();
  const consumer = kafka.consumer({ groupId: `${own.ns}-check-${randomBytes(3).toString('hex')}` });
  const seen: { eventId: string; key: string; seq: number }[] = [];
  let markers = 0;
  try {
    await producer.connect();
    await producer.send({ topic: topicName, messages: [0, 1, 2].map((partition) => ({ partition, value: 'marker' })) });
    await consumer.connect();
    await consumer.subscribe({ topic: topicName, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const v = message.value?.toString() ?? '';
        if (v === 'marker') markers += 1;
        else seen.push(JSON.parse(v));
      },
    });
    await waitFor('the markers of all three partitions', async () => markers >= 3 * runs, 60_000, 100);
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
  }
  return seen;
}
let runs = 0;

function expectOnceInOrder(rows: { eventId: string; key: string; seq: number }[], seen: { eventId: string; key: string; seq: number }[]) {
  const mine = seen.filter((s) => rows.some((r) => r.eventId === s.eventId));
  const counts = new Map<string, number>();
  for (const s of mine) counts.set(s.eventId, (counts.get(s.eventId) ?? 0) + 1);
  expect([...counts.values()].filter((n) => n > 1), 'events published more than once').toEqual([]);
  expect(counts.size).toBe(rows.length);
  for (const key of new Set(rows.map((r) => r.key))) {
    expect(mine.filter((s) => s.key === key).map((s) => s.seq), key).toEqual([1, 2, 3]);
  }
}

describe('outbox relay lease', () => {
  it('a publish slower than the lease keeps the lease: the second relay publishes nothing', async () => {
    const rows = await writeEvents();
    const slow = gate();
    const first = relay({ leaseMs: 1000, wrapProducer: slow.wrap });
    await slow.atGate
    const second = relay({ leaseMs: 1000 });
    // Three lease lifetimes: long enough for the lease to lapse unless it is renewed meanwhile.
    await new Promise((r) => setTimeout(r, 3000));
    slow.open();
    await waitFor('every row sent', async () => (await unsent(rows)) === 0, 60_000);
    await first.stop();
    await second.stop();
    runs += 1;
    expectOnceInOrder(rows, await published());
    expect(second.stats.published).toBe(0);
  }, 120_000);

  it('a holder that lost its lease mid-publish is fenced: what it sent never becomes visible', async () => {
    const rows = await writeEvents();
    const stuck = gate();
    const stale = relay({ leaseMs: 1000, wrapProducer: stuck.wrap });
    await stuck.atGate;
    // The lease is gone while the holder waits (it was paused past its lease, or Redis failed over).
    await redis.del(lockKey);
    const next = relay({ leaseMs: 1000 });
    await waitFor('the new holder to publish every row', async () => (await unsent(rows)) === 0, 60_000);
    stuck.open();
    await stale.stop();
    await next.stop();
    runs += 1;
    expectOnceInOrder(rows, await published());
    expect(stale.stats.published).toBe(0);
  }, 120_000);
});
