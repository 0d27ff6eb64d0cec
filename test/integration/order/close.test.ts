import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { Queue } from 'bullmq';
import { Stack } from '../../support/stack.js';
import { errorCode, gql, signUp as signUpAt } from '../../support/gql.js';
import { freePort } from '../../support/ports.js';
import { CONTEXT_HEADER, signContext } from '../../../lib/internal-auth.js';
import { callback, payOrder } from '../payment/support.js';
import { CANCEL, CREATE, ORDER, createHomestay, heldNights, orderRows, query, sleep, stay, waitFor } from './support.js';

/**
 * Closing unpaid orders, on a stack of its own (ORDER_PAY_TIMEOUT=2s, a sweep every second, a jobs
 * process and a payment service the tests stop and start) in a namespace of its own: databases,
 * Redis keys, BullMQ queues and Kafka topics apart from the shared stack, whose jobs process would
 * otherwise work these queues too.
 */
const ns = `${inject('namespace')}c`;
process.env.NAMESPACE = ns;
const { createRedis, redisKey } = await import('../../../lib/redis.js');
const { ORDER_STATE_CHANNEL, parseOrderStateEvent } = await import('../../../contracts/order.js');
const { QUEUES } = await import('../../../contracts/queues.js');
const { CLOSE_ORDER_JOB_OPTIONS } = await import('../../../subgraphs/order/mq/queues.js');
const { config } = await import('../../../lib/config.js');

let stack: Stack;
const events: any[] = [];
const sub = createRedis();
const redis = createRedis();
const queue = new Queue(QUEUES.closeOrder, { prefix: ns, connection: createRedis() });

const signUp = () => signUpAt('Tester', stack.graphqlUrl);
/** The homestay service's internal API, called as the order service does. */
async function homestayInternal(path: string, body: unknown) {
  const res = await fetch(`${stack.url('homestay')}/internal${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [CONTEXT_HEADER]: signContext({ service: 'order' }, config().internalSecret) },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return res.json();
}
const create = (token: string, input: Record<string, unknown>) => gql(CREATE, { input }, { token, url: stack.graphqlUrl });
const state = async (sn: string) => (await orderRows(ns, { sn }))[0]?.trade_state as number;
const payment = async (sn: string) => (await query(ns, 'payment', 'select * from third_payment where sn = ?', [sn]))[0]!;
const untilDeadline = (o: { payDeadline: string }) => Math.max(0, Date.parse(o.payDeadline) - Date.now());
const eventsOf = (sn: string) => events.filter((e) => e.sn === sn);

beforeAll(async () => {
  const { migrateAll } = await import('../../../scripts/migrate.js');
  await migrateAll(() => undefined);
  stack = await Stack.start({
    namespace: ns,
    env: { ORDER_PAY_TIMEOUT: '2s', ORDER_SWEEP_INTERVAL: '1s', ORDER_ORPHAN_AGE: '1s' },
    processes: ['user', 'homestay', 'order', 'payment', 'jobs', 'gateway'],
  });
  await sub.subscribe(ORDER_STATE_CHANNEL());
  sub.on('message', (_c, m) => events.push(parseOrderStateEvent(m)));
});

afterAll(async () => {
  sub.disconnect();
  redis.disconnect();
  await queue.close();
  await stack?.close();
  const { cleanupNamespace } = await import('../../support/cleanup.js');
  await cleanupNamespace(ns);
});

describe('closing unpaid orders (ORDER_PAY_TIMEOUT=2s)', () => {
  it('cancels an unpaid order at its deadline, sets closedAt, and frees its nights', async () => {
    const user = await signUp();
    const homestayId = await createHomestay(ns, { roomCount: 1 });
    const dates = stay(3, 2);
    const o = (await create(user.token, { homestayId, ...dates, guests: 1 })).data.createHomestayOrder;
    expect(Date.parse(o.payDeadline) - Date.parse(o.createdAt)).toBeLessThan(3000);
    // Full until then.
    const other = await signUp();
    expect(errorCode(await create(other.token, { homestayId, ...dates, guests: 1 }))).toBe('SOLD_OUT');
    const closed = await waitFor(() => gql(ORDER, { sn: o.sn }, { token: user.token, url: stack.graphqlUrl }), (r) => r.data?.order?.state === 'CANCELLED', 15_000);
    expect(closed.data.order.state).toBe('CANCELLED');
    expect(Date.parse(closed.data.order.closedAt)).toBeGreaterThanOrEqual(Date.parse(o.payDeadline));
    // Asking the payment service first does not hold up an order nobody paid (a generous bound).
    expect(Date.parse(closed.data.order.closedAt) - Date.parse(o.payDeadline)).toBeLessThan(10_000);
    // The state turns CANCELLED first and the nights are released right after, by the same job.
    expect(await waitFor(() => heldNights(ns, { sn: o.sn }), (n) => n === 0, 5_000)).toBe(0);
    const again = await create(other.token, { homestayId, ...dates, guests: 1 });
    expect(again.errors).toBeUndefined();
    expect(eventsOf(o.sn).map((e) => e.to)).toEqual(['WAIT_PAY', 'CANCELLED']);
  });

  it('makes one transition when the close-order job runs twice', async () => {
    const user = await signUp();
    const homestayId = await createHomestay(ns);
    const o = (await create(user.token, { homestayId, ...stay(1, 1), guests: 1 })).data.createHomestayOrder;
    const booked = Number((await orderRows(ns, { sn: o.sn }))[0]!.version);
    // Two more runs of the job for the same order, at once, before its own delayed one.
    await queue.add('close-order', { sn: o.sn }, { ...CLOSE_ORDER_JOB_OPTIONS, jobId: `${o.sn}-a` });
    await queue.add('close-order', { sn: o.sn }, { ...CLOSE_ORDER_JOB_OPTIONS, jobId: `${o.sn}-b` });
    // The early runs wait for the deadline (a payment may still come before it), then all three run.
    const ids = [`${o.sn}-a`, `${o.sn}-b`, o.sn];
    const done = async () => (await Promise.all(ids.map(async (id) => (await queue.getJob(id))?.isCompleted()))).every(Boolean);
    expect(await waitFor(done, (d) => d, 15_000)).toBe(true);
    const [row] = await orderRows(ns, { sn: o.sn });
    expect(row!.trade_state).toBe(-1);
    expect(row!.version).toBe(booked + 1);
    await sleep(300);
    expect(eventsOf(o.sn).map((e) => [e.from, e.to])).toEqual([[null, 'WAIT_PAY'], ['WAIT_PAY', 'CANCELLED']]);
  });

  it('leaves a paid order alone when its job runs', async () => {
    const user = await signUp();
    const homestayId = await createHomestay(ns);
    const o = (await create(user.token, { homestayId, ...stay(1, 2), guests: 1 })).data.createHomestayOrder;
    const paid = await fetch(`${stack.url('order')}/internal/orders/transition`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [CONTEXT_HEADER]: signContext({ service: 'payment' }, config().internalSecret) },
      body: JSON.stringify({ sn: o.sn, to: 'WAIT_USE' }),
    }).then((r) => r.json());
    expect(paid.changed).toBe(true);
    await waitFor(() => queue.getJob(o.sn).then((j) => j?.isCompleted()), (done) => done === true, 15_000);
    expect(await state(o.sn)).toBe(1);
    expect(await heldNights(ns, { sn: o.sn })).toBe(2);
  });

  it('closes orders whose deadline passed while the workers were down, with or without their job', async () => {
    await stack.stopProcess('jobs');
    let jobsDown = true;
    try {
      const user = await signUp();
      const homestayId = await createHomestay(ns, { roomCount: 2 });
      const withJob = (await create(user.token, { homestayId, ...stay(2, 1), guests: 1 })).data.createHomestayOrder;
      const jobLost = (await create(user.token, { homestayId, ...stay(2, 1), guests: 1 })).data.createHomestayOrder;
      expect(await queue.remove(jobLost.sn)).toBe(1);
      await sleep(3500);
      expect(await state(withJob.sn)).toBe(0);
      expect(await state(jobLost.sn)).toBe(0);
      await stack.startProcess('jobs');
      jobsDown = false;
      for (const sn of [withJob.sn, jobLost.sn]) {
        expect(await waitFor(() => state(sn), (s) => s === -1, 15_000)).toBe(-1);
        expect(await heldNights(ns, { sn })).toBe(0);
      }
    } finally {
      if (jobsDown) await stack.startProcess('jobs');
    }
  });

  it('retries the close with backoff while the homestay service is down', async () => {
    const user = await signUp();
    const homestayId = await createHomestay(ns);
    const o = (await create(user.token, { homestayId, ...stay(1, 2), guests: 1 })).data.createHomestayOrder;
    await stack.stopProcess('homestay');
    try {
      // The order closes at its deadline, but releasing its nights fails: the job fails and waits.
      expect(await waitFor(() => state(o.sn), (s) => s === -1, 10_000)).toBe(-1);
      // (An attempt made before the payment service's clock reached the deadline only moved the
      // job to the deadline: wait for the attempt that failed on the release.)
      const failing = await waitFor(() => queue.getJob(o.sn), (j) => /homestay service unreachable/.test(j?.failedReason ?? ''), 15_000);
      expect(failing!.failedReason).toMatch(/homestay service unreachable/);
      expect(await heldNights(ns, { sn: o.sn })).toBe(2);
    } finally {
      await stack.startProcess('homestay');
    }
    const done = await waitFor(() => queue.getJob(o.sn), (j) => j?.finishedOn !== undefined && j.returnvalue !== null, 30_000);
    expect(done!.attemptsMade).toBeGreaterThanOrEqual(2);
    expect(done!.returnvalue).toBe('already-closed');
    expect(await heldNights(ns, { sn: o.sn })).toBe(0);
    expect(eventsOf(o.sn).map((e) => e.to)).toEqual(['WAIT_PAY', 'CANCELLED']);
  });

  it('releases a reservation left without an order (a crash between reserving and storing)', async () => {
    const homestayId = await createHomestay(ns, { roomCount: 1 });
    const sn = `HSO${Date.now()}00000000`.slice(0, 25);
    const dates = stay(4, 2);
    await homestayInternal('/reservations/reserve', { sn, homestayId, ...dates });
    expect(await heldNights(ns, { sn })).toBe(2);
    expect(await waitFor(() => heldNights(ns, { sn }), (n) => n === 0, 15_000)).toBe(0);
    const user = await signUp();
    expect((await create(user.token, { homestayId, ...dates, guests: 1 })).errors).toBeUndefined();
  });

  it('cancelOrder beats the job, and the job then changes nothing', async () => {
    const user = await signUp();
    const homestayId = await createHomestay(ns);
    const o = (await create(user.token, { homestayId, ...stay(1, 1), guests: 1 })).data.createHomestayOrder;
    const booked = Number((await orderRows(ns, { sn: o.sn }))[0]!.version);
    const c = await gql(CANCEL, { sn: o.sn }, { token: user.token, url: stack.graphqlUrl });
    expect(c.data.cancelOrder.state).toBe('CANCELLED');
    await waitFor(() => queue.getJob(o.sn).then((j) => j?.isCompleted()), (done) => done === true, 15_000);
    const [row] = await orderRows(ns, { sn: o.sn });
    expect(row!.version).toBe(booked + 1);
    expect(eventsOf(o.sn).map((e) => e.to)).toEqual(['WAIT_PAY', 'CANCELLED']);
  });
});

describe('closing asks the payment service first', () => {
  it('pays (never refunds) an order whose payment was confirmed while its event was held up past the deadline', async () => {
    const user = await signUp();
    const homestayId = await createHomestay(ns);
    // The close decision waits for the workers; the SUCCESS event waits in the outbox, because the
    // payment service's relay cannot reach Kafka (the consumer would otherwise pay the order first).
    await stack.stopProcess('jobs');
    await stack.restartProcess('payment', { KAFKA_BROKERS: `127.0.0.1:${await freePort()}` });
    let jobsDown = true;
    let relayCutOff = true;
    try {
      const o = (await create(user.token, { homestayId, ...stay(5, 2), guests: 1 })).data.createHomestayOrder;
      const p = await payOrder(user.token, o.sn, { url: stack.graphqlUrl });
      expect(await callback(stack.gatewayUrl, { paymentSn: p.sn, amount: o.total })).toEqual({ status: 200, text: 'SUCCESS' });
      expect((await payment(p.sn)).pay_status).toBe(1);
      await sleep(untilDeadline(o) + 1000);
      expect(await state(o.sn)).toBe(0);
      await stack.startProcess('jobs');
      jobsDown = false;
      // The close job (or the sweep) finds the confirmed payment and pays the order itself.
      expect(await waitFor(() => state(o.sn), (s) => s !== 0, 20_000)).toBe(1);
      const [event] = await query(ns, 'payment', 'select payload, sent_at from payment_outbox where message_key = ?', [o.sn]);
      expect(event!.sent_at).toBeNull();
      expect(await heldNights(ns, { sn: o.sn })).toBe(2);

      // Kafka reachable again: the held-up event arrives and changes nothing.
      await stack.restartProcess('payment');
      relayCutOff = false;
      const eventId = JSON.parse(event!.payload).eventId;
      const outcome = await waitFor(() => redis.get(redisKey(`payment-event-done:${eventId}`)), (v) => v !== null, 90_000, 500);
      expect(outcome).toBe('already-paid');
      const [row] = await orderRows(ns, { sn: o.sn });
      // One move after the booking's own confirmation (PENDING → WAIT_PAY): WAIT_PAY → WAIT_USE, once.
      expect(row).toMatchObject({ trade_state: 1, version: 2 });
      expect(row!.trade_code).toMatch(/^[A-Z2-9]{8}$/);
      expect(await payment(p.sn)).toMatchObject({ pay_status: 1, live_order_sn: o.sn });
      const events = await query(ns, 'payment', 'select payload from payment_outbox where message_key = ?', [o.sn]);
      expect(events.map((e) => JSON.parse(e.payload).payStatus)).toEqual(['SUCCESS']);
      expect(eventsOf(o.sn).map((e) => e.to)).toEqual(['WAIT_PAY', 'WAIT_USE']);
    } finally {
      if (jobsDown) await stack.startProcess('jobs');
      if (relayCutOff) await stack.restartProcess('payment');
    }
  }, 180_000);

  it("refuses a guest's cancel once the provider took the money (found by the soak: the payment was refunded)", async () => {
    const user = await signUp();
    const homestayId = await createHomestay(ns);
    // Nothing applies the payment event meanwhile (the consumer and the close job are in jobs).
    await stack.stopProcess('jobs');
    let jobsDown = true;
    try {
      const o = (await create(user.token, { homestayId, ...stay(7, 1), guests: 1 })).data.createHomestayOrder;
      const p = await payOrder(user.token, o.sn, { url: stack.graphqlUrl });
      expect(await callback(stack.gatewayUrl, { paymentSn: p.sn, amount: o.total })).toEqual({ status: 200, text: 'SUCCESS' });
      const cancel = await gql(CANCEL, { sn: o.sn }, { token: user.token, url: stack.graphqlUrl });
      expect(errorCode(cancel)).toBe('CONFLICT');
      expect(await state(o.sn)).toBe(0);
      await stack.startProcess('jobs');
      jobsDown = false;
      expect(await waitFor(() => state(o.sn), (s) => s !== 0, 30_000)).toBe(1);
      expect(await payment(p.sn)).toMatchObject({ pay_status: 1, live_order_sn: o.sn });
      expect(await heldNights(ns, { sn: o.sn })).toBe(1);
    } finally {
      if (jobsDown) await stack.startProcess('jobs');
    }
    // With no confirmed payment the cancel goes through, and the waiting payment is closed with it.
    const o2 = (await create(user.token, { homestayId, ...stay(9, 1), guests: 1 })).data.createHomestayOrder;
    const p2 = await payOrder(user.token, o2.sn, { url: stack.graphqlUrl });
    expect((await gql(CANCEL, { sn: o2.sn }, { token: user.token, url: stack.graphqlUrl })).data.cancelOrder.state).toBe('CANCELLED');
    expect(await payment(p2.sn)).toMatchObject({ pay_status: -1, live_order_sn: null });
  });

  it('closes an order whose payment is still waiting at the deadline: payment FAILED, order CANCELLED, within seconds', async () => {
    const user = await signUp();
    const homestayId = await createHomestay(ns);
    const o = (await create(user.token, { homestayId, ...stay(6, 1), guests: 1 })).data.createHomestayOrder;
    const p = await payOrder(user.token, o.sn, { url: stack.graphqlUrl });
    const closed = await waitFor(() => gql(ORDER, { sn: o.sn }, { token: user.token, url: stack.graphqlUrl }), (r) => r.data?.order?.state === 'CANCELLED', 15_000);
    expect(Date.parse(closed.data.order.closedAt) - Date.parse(o.payDeadline)).toBeLessThan(10_000);
    expect(await payment(p.sn)).toMatchObject({ pay_status: -1, live_order_sn: null });
    // A confirmation the provider sends after the close does not pay the order.
    await callback(stack.gatewayUrl, { paymentSn: p.sn, amount: o.total });
    await sleep(1500);
    expect(await state(o.sn)).toBe(-1);
    expect(await heldNights(ns, { sn: o.sn })).toBe(0);
  });

  it('close-for-order refuses a request without an order sn or a valid deadline', async () => {
    const sn = `HSO${'0'.repeat(22)}`;
    const ask = (body: unknown) =>
      fetch(`${stack.url('payment')}/internal/payments/close-for-order`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [CONTEXT_HEADER]: signContext({ service: 'jobs' }, config().internalSecret) },
        body: JSON.stringify(body),
      }).then(async (r) => [r.status, ((await r.json()) as any).error?.code]);
    expect(await ask({ deadline: new Date().toISOString() })).toEqual([400, 'BAD_USER_INPUT']);
    expect(await ask({ orderSn: sn, deadline: 'yesterday' })).toEqual([400, 'BAD_USER_INPUT']);
    expect(await ask({ orderSn: sn })).toEqual([400, 'BAD_USER_INPUT']);
    expect(await ask({ orderSn: 42, deadline: new Date().toISOString() })).toEqual([400, 'BAD_USER_INPUT']);
  });

  it('does not cancel while the payment service cannot be asked, and closes once it is back', async () => {
    const user = await signUp();
    const homestayId = await createHomestay(ns);
    await stack.stopProcess('payment');
    let paymentDown = true;
    try {
      const o = (await create(user.token, { homestayId, ...stay(7, 1), guests: 1 })).data.createHomestayOrder;
      await sleep(untilDeadline(o) + 3000);
      expect(await state(o.sn)).toBe(0);
      const job = await waitFor(() => queue.getJob(o.sn), (j) => (j?.attemptsMade ?? 0) >= 1, 10_000);
      expect(job!.failedReason).toMatch(/payment service unreachable/);
      await stack.startProcess('payment');
      paymentDown = false;
      expect(await waitFor(() => state(o.sn), (s) => s === -1, 30_000)).toBe(-1);
      expect(await waitFor(() => heldNights(ns, { sn: o.sn }), (n) => n === 0, 10_000)).toBe(0);
    } finally {
      if (paymentDown) await stack.startProcess('payment');
    }
  });
});
