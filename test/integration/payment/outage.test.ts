import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrokerOptions } from '../../../scripts/infra/kafka.js';
import { freePorts } from '../../support/ports.js';
import type { Stack } from '../../support/stack.js';
import { gql, uniqueMobile } from '../../support/gql.js';
import { book, callback, createHomestay, NOTIFICATIONS, payOrder, query, readOrder, waitFor } from './support.js';

/**
 * Failure cases that need infrastructure of their own: a private Kafka broker (never the shared
 * one on 9092) that the test stops and starts, and a stack of the product's processes using it,
 * in a namespace of its own, whose jobs process the test kills and restarts.
 */
const namespace = `t${Date.now().toString(36)}${randomBytes(2).toString('hex')}po`;
let broker: BrokerOptions;
let stack: Stack;
let homestayId: string;
const log = (m: string) => console.log(`[payment-outage] ${m}`);
const { startBroker, stopBroker } = await import('../../../scripts/infra/kafka.js');

async function register(url: string) {
  const r = await gql(`mutation($input: RegisterInput!) { register(input: $input) { accessToken user { id } } }`, {
    input: { mobile: uniqueMobile(), password: 'correct-horse-9' },
  }, { url });
  if (!r.data?.register) throw new Error(JSON.stringify(r.errors));
  return { token: r.data.register.accessToken as string, userId: r.data.register.user.id as string };
}

beforeAll(async () => {
  const [port, controllerPort] = await freePorts(2);
  broker = { port: port!, controllerPort: controllerPort!, dataDir: mkdtempSync(join(tmpdir(), 'looklook-kafka-')) };
  const brokers = await startBroker(broker, log);
  process.env.NAMESPACE = namespace;
  process.env.KAFKA_BROKERS = brokers.join(',');
  const { migrateAll } = await import('../../../scripts/migrate.js');
  await migrateAll(() => undefined);
  const { Stack } = await import('../../support/stack.js');
  // Each guest books 5 orders before any is paid: above the default ORDER_MAX_UNPAID_PER_USER (3).
  stack = await Stack.start({ namespace, env: { KAFKA_BROKERS: brokers.join(','), ORDER_MAX_UNPAID_PER_USER: '5' } });
  homestayId = await createHomestay(namespace);
}, 240_000);

afterAll(async () => {
  await stack?.close();
  if (!process.env.KEEP_TEST_DATA) {
    const { cleanupNamespace } = await import('../../support/cleanup.js');
    await cleanupNamespace(namespace).catch(() => undefined);
  }
  if (broker) {
    await stopBroker(broker);
    rmSync(broker.dataDir, { recursive: true, force: true });
  }
}, 120_000);

describe('payments survive outages', () => {
  it('Kafka down while the callback arrives: SUCCESS at once, WAIT_USE once the broker is back', async () => {
    const url = stack.graphqlUrl;
    const guest = await register(url);
    const order = await book(guest.token, homestayId, { url });
    const payment = await payOrder(guest.token, order.sn, { url });
    await stopBroker(broker);
    try {
      const started = Date.now();
      expect(await callback(stack.gatewayUrl, { paymentSn: payment.sn, amount: order.total })).toEqual({ status: 200, text: 'SUCCESS' });
      expect(Date.now() - started).toBeLessThan(3000);
      // The payment and its event are stored; the event waits for Kafka.
      await new Promise((r) => setTimeout(r, 2000));
      const [ob] = await query(namespace, 'payment', 'select sent_at from payment_outbox where message_key = ?', [order.sn]);
      expect(ob!.sent_at).toBeNull();
      expect((await readOrder(guest.token, order.sn, { url })).data.order.state).toBe('WAIT_PAY');
    } finally {
      await startBroker(broker, log);
    }
    await waitFor('WAIT_USE after the broker is back', async () => (await readOrder(guest.token, order.sn, { url })).data?.order?.state === 'WAIT_USE', 120_000, 500);
    const [ob] = await query(namespace, 'payment', 'select sent_at from payment_outbox where message_key = ?', [order.sn]);
    expect(ob!.sent_at).not.toBeNull();
  }, 240_000);

  it('the consumer killed and restarted mid-stream: every order paid exactly once', async () => {
    const url = stack.graphqlUrl;
    const guests = await Promise.all([1, 2, 3, 4].map(() => register(url)));
    const orders: { token: string; sn: string; total: number; paymentSn: string; version: number }[] = [];
    for (const g of guests) {
      for (let i = 0; i < 5; i++) {
        const o = await book(g.token, homestayId, { url });
        const p = await payOrder(g.token, o.sn, { url });
        orders.push({ token: g.token, sn: o.sn, total: o.total, paymentSn: p.sn, version: 0 });
      }
    }
    for (const o of orders) o.version = Number((await query(namespace, 'order', 'select version from homestay_order where sn = ?', [o.sn]))[0]!.version);
    const pay = (o: (typeof orders)[number]) => callback(stack.gatewayUrl, { paymentSn: o.paymentSn, amount: o.total });
    const firstHalf = orders.slice(0, 10);
    const secondHalf = orders.slice(10);
    const replies = await Promise.all(firstHalf.map(pay));
    // Kill the jobs process (consumer and workers) while the first events are being consumed.
    await stack.stopProcess('jobs', 'SIGKILL');
    replies.push(...(await Promise.all(secondHalf.map(pay))));
    expect(replies.every((r) => r.status === 200 && r.text === 'SUCCESS')).toBe(true);
    // Replay the first half's callbacks as a provider would: nothing more may happen.
    await Promise.all(firstHalf.map(pay));
    await stack.startProcess('jobs');
    await waitFor('every order WAIT_USE', async () => {
      const rows = await query(namespace, 'order', `select count(*) n from homestay_order where trade_state = 1 and sn in (${orders.map(() => '?').join(',')})`, orders.map((o) => o.sn));
      return Number(rows[0]!.n) === orders.length;
    }, 120_000, 500);
    for (const o of orders) {
      const [row] = await query(namespace, 'order', 'select version, paid_at, trade_code from homestay_order where sn = ?', [o.sn]);
      expect(Number(row!.version), o.sn).toBe(o.version + 1);
      expect(row!.trade_code).toMatch(/^[A-Za-z0-9]{8}$/);
    }
    // One event per payment, and two messages per order.
    const [events] = await query(namespace, 'payment', `select count(*) n from payment_outbox where message_key in (${orders.map(() => '?').join(',')})`, orders.map((o) => o.sn));
    expect(Number(events!.n)).toBe(orders.length);
    for (const g of guests) {
      const notes = await waitFor('ten messages', async () => {
        const n = (await gql(NOTIFICATIONS, {}, { token: g.token, url })).data?.me?.notifications;
        return n?.length >= 10 ? n : null;
      }, 60_000, 500);
      expect(notes).toHaveLength(10);
    }
  }, 300_000);
});
