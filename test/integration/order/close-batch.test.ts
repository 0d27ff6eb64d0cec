import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Stack } from '../../support/stack.js';
import { gql, signUp as signUpAt } from '../../support/gql.js';
import { freePorts } from '../../support/ports.js';
import { callback, payOrder } from '../payment/support.js';
import { CREATE, createHomestay, heldNights, orderRows, query, sleep, stay } from './support.js';

/**
 * Closing orders in batches (close-order.worker.ts): the closes asked for together run as one
 * round of calls. On a stack of its own without a jobs process, so nothing but this test closes
 * these orders; the test runs the jobs process's closer itself, configured for that stack, and
 * decides which closes share a batch (those asked for at once).
 */
const ns = `${inject('namespace')}k`;
const picked = await freePorts(5);
const ports = { user: picked[0]!, homestay: picked[1]!, order: picked[2]!, payment: picked[3]!, gateway: picked[4]! };
// Before anything reads the configuration: the closer calls this stack's services.
process.env.NAMESPACE = ns;
for (const [name, port] of Object.entries(ports)) process.env[`${name.toUpperCase()}_PORT`] = String(port);
const { createRedis } = await import('../../../lib/redis.js');
const { ORDER_STATE_CHANNEL, parseOrderStateEvent } = await import('../../../contracts/order.js');
const { openOrderCloser, BeforeDeadline } = await import('../../../subgraphs/order/mq/close-order.worker.js');
const { createLogger } = await import('../../../lib/logger.js');

let stack: Stack;
let closer: Awaited<ReturnType<typeof openOrderCloser>>;
const events: any[] = [];
const sub = createRedis();

const signUp = () => signUpAt('Batch', stack.graphqlUrl);
const create = async (token: string, homestayId: string, from: number, nights: number) => {
  const r = await gql(CREATE, { input: { homestayId, ...stay(from, nights), guests: 1 } }, { token, url: stack.graphqlUrl });
  if (!r.data?.createHomestayOrder) throw new Error(`booking failed: ${JSON.stringify(r.errors)}`);
  return r.data.createHomestayOrder as { sn: string; total: number };
};
/** The order is overdue now (as the bench does it: the row's deadline, which both services read). */
const overdue = (sns: string[]) => query(ns, 'order', `update homestay_order set pay_deadline = ? where sn in (${sns.map(() => '?').join(',')})`, [new Date(Date.now() - 1000), ...sns]);
const rowOf = async (sn: string) => (await orderRows(ns, { sn }))[0]!;
const eventsOf = (sn: string) => events.filter((e) => e.sn === sn).map((e) => e.to);
const payment = async (sn: string) => (await query(ns, 'payment', 'select * from third_payment where sn = ?', [sn]))[0]!;
const outbox = async (orderSn: string) => (await query(ns, 'payment', 'select count(*) as n from payment_outbox where message_key = ?', [orderSn]))[0]!.n;
const reserved = async (homestayId: string) =>
  (await query(ns, 'homestay', 'select coalesce(sum(reserved), 0) as n from homestay_inventory where homestay_id = ?', [homestayId]))[0]!.n;

beforeAll(async () => {
  const { migrateAll } = await import('../../../scripts/migrate.js');
  await migrateAll(() => undefined);
  stack = await Stack.start({
    namespace: ns,
    ports,
    env: { ORDER_MAX_UNPAID_PER_USER: '1000' },
    processes: ['user', 'homestay', 'order', 'payment', 'gateway'],
  });
  await sub.subscribe(ORDER_STATE_CHANNEL());
  sub.on('message', (_c, m) => events.push(parseOrderStateEvent(m)));
  closer = await openOrderCloser(createLogger('close-batch-test'));
}, 120_000);

afterAll(async () => {
  sub.disconnect();
  await closer?.close();
  await stack?.close();
  const { cleanupNamespace } = await import('../../support/cleanup.js');
  await cleanupNamespace(ns);
});

describe('closing orders in batches', () => {
  const closedBefore: string[] = [];

  it('closes many orders due at once: every one CANCELLED, its nights released, one event each', async () => {
    const user = await signUp();
    // 30 orders on the same night of one homestay (a shared inventory row) and 10 on another.
    const busy = await createHomestay(ns, { roomCount: 30 });
    const other = await createHomestay(ns, { roomCount: 10 });
    const orders = [
      ...(await Promise.all(Array.from({ length: 30 }, () => create(user.token, busy, 3, 2)))),
      ...(await Promise.all(Array.from({ length: 10 }, (_, i) => create(user.token, other, 3 + i, 1)))),
    ];
    const sns = orders.map((o) => o.sn);
    expect(Number(await reserved(busy))).toBe(60);
    await overdue(sns);
    const before = Date.now();
    const outcomes = await Promise.all(sns.map((sn) => closer.closeOrder(sn)));
    expect(outcomes).toEqual(sns.map(() => 'closed'));
    for (const sn of sns) {
      const row = await rowOf(sn);
      expect(row.trade_state).toBe(-1);
      expect(row.version).toBe(2);
      expect(new Date(`${String(row.closed_at).replace(' ', 'T')}Z`).getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(await heldNights(ns, { sn })).toBe(0);
    }
    expect(Number(await reserved(busy))).toBe(0);
    expect(Number(await reserved(other))).toBe(0);
    await sleep(300);
    for (const sn of sns) expect(eventsOf(sn)).toEqual(['WAIT_PAY', 'CANCELLED']);
    const recorded = await query(ns, 'order', `select sn, count(*) as n from order_state_change where sn in (${sns.map(() => '?').join(',')}) group by sn`, sns);
    expect(recorded.map((r) => Number(r.n))).toEqual(sns.map(() => 2));
    // The freed rooms sell again, all 30 of them.
    await Promise.all(Array.from({ length: 30 }, () => create(user.token, busy, 3, 2)));
    closedBefore.push(...sns);
  }, 60_000);

  it('decides each order of a mixed batch on its own: paid in time, not yet due, waiting unpaid', async () => {
    const user = await signUp();
    const homestayId = await createHomestay(ns, { roomCount: 5 });
    const paidInTime = await create(user.token, homestayId, 20, 2);
    const notDue = await create(user.token, homestayId, 20, 2);
    const unpaid = await create(user.token, homestayId, 20, 2);
    // Paid before its deadline; the SUCCESS event is never applied here (no jobs process), as when it is held up.
    const p1 = await payOrder(user.token, paidInTime.sn, { url: stack.graphqlUrl });
    expect(await callback(stack.gatewayUrl, { paymentSn: p1.sn, amount: paidInTime.total })).toEqual({ status: 200, text: 'SUCCESS' });
    const p2 = await payOrder(user.token, notDue.sn, { url: stack.graphqlUrl });
    const p3 = await payOrder(user.token, unpaid.sn, { url: stack.graphqlUrl });
    await overdue([paidInTime.sn, unpaid.sn]);
    const [paid, early, closed] = await Promise.allSettled([paidInTime, notDue, unpaid].map((o) => closer.closeOrder(o.sn)));
    expect(paid).toEqual({ status: 'fulfilled', value: 'paid' });
    expect(early.status).toBe('rejected');
    expect((early as PromiseRejectedResult).reason).toBeInstanceOf(BeforeDeadline);
    expect(closed).toEqual({ status: 'fulfilled', value: 'closed' });

    expect(await rowOf(paidInTime.sn)).toMatchObject({ trade_state: 1, version: 2 });
    expect(await payment(p1.sn)).toMatchObject({ pay_status: 1, live_order_sn: paidInTime.sn });
    expect(await heldNights(ns, { sn: paidInTime.sn })).toBe(2);
    expect(await rowOf(notDue.sn)).toMatchObject({ trade_state: 0, version: 1 });
    expect(await payment(p2.sn)).toMatchObject({ pay_status: 0, live_order_sn: notDue.sn });
    expect(await heldNights(ns, { sn: notDue.sn })).toBe(2);
    expect(await rowOf(unpaid.sn)).toMatchObject({ trade_state: -1, version: 2 });
    expect(await payment(p3.sn)).toMatchObject({ pay_status: -1, live_order_sn: null });
    expect(await heldNights(ns, { sn: unpaid.sn })).toBe(0);
    await sleep(300);
    expect(eventsOf(paidInTime.sn)).toEqual(['WAIT_PAY', 'WAIT_USE']);
    expect(eventsOf(notDue.sn)).toEqual(['WAIT_PAY']);
    expect(eventsOf(unpaid.sn)).toEqual(['WAIT_PAY', 'CANCELLED']);
    closedBefore.push(paidInTime.sn, unpaid.sn);

    // Asked twice at once, and again: nothing changes the second time.
    const snapshot = async () =>
      Promise.all(closedBefore.map(async (sn) => ({ row: await rowOf(sn), held: await heldNights(ns, { sn }), outbox: await outbox(sn), events: eventsOf(sn).length })));
    const first = await snapshot();
    const again = await Promise.all([...closedBefore, ...closedBefore].map((sn) => closer.closeOrder(sn)));
    expect(again).toEqual([...closedBefore, ...closedBefore].map((sn) => (sn === paidInTime.sn ? 'not-waiting' : 'already-closed')));
    await sleep(300);
    expect(await snapshot()).toEqual(first);
  }, 60_000);

  it('fails the whole batch, cancelling none, while the payment service cannot be asked; closes all once it is back', async () => {
    const user = await signUp();
    const homestayId = await createHomestay(ns, { roomCount: 3 });
    const sns = (await Promise.all([1, 2, 3].map(() => create(user.token, homestayId, 30, 1)))).map((o) => o.sn);
    await overdue(sns);
    await stack.stopProcess('payment');
    let paymentDown = true;
    try {
      const results = await Promise.allSettled(sns.map((sn) => closer.closeOrder(sn)));
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
      expect(String((results[0] as PromiseRejectedResult).reason.message)).toMatch(/payment service unreachable/);
      for (const sn of sns) {
        expect((await rowOf(sn)).trade_state).toBe(0);
        expect(await heldNights(ns, { sn })).toBe(1);
      }
      await stack.startProcess('payment');
      paymentDown = false;
    } finally {
      if (paymentDown) await stack.startProcess('payment');
    }
    expect(await Promise.all(sns.map((sn) => closer.closeOrder(sn)))).toEqual(['closed', 'closed', 'closed']);
    for (const sn of sns) expect(await heldNights(ns, { sn })).toBe(0);
  }, 60_000);
});
