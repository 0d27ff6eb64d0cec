import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, todayIn } from '../../../lib/dates.js';
import { errorCode, gatewayUrl, gql, internalPost, signUp, testNamespace } from '../../support/gql.js';
import { connect, subscribe, type WsConnection } from '../../support/ws.js';
import { book, callback, createHomestay, payOrder, query, waitFor } from '../payment/support.js';
import { createHomestay as createSmallHomestay, orderLockWaiters } from './support.js';

/**
 * requestRefund through the gateway on the shared stack: the amount each cancellation policy
 * gives at a distance from check-in, the money given back once through the payment service, the
 * nights released, the change announced, and the races (two requests, a request and the
 * settlement job) decided by the order's one guarded transition.
 */
const ns = () => testNamespace();
const PRICE = 10001; // one night, no food: an odd total, so half of it is rounded down
const HALF = 5000;

const REFUND = `mutation($sn: ID!, $reason: String) {
  requestRefund(orderSn: $sn, reason: $reason) { sn state total refundAmount payments { sn status amount } }
}`;
const refund = (token: string | undefined, sn: string, reason?: string) => gql(REFUND, { sn, reason }, { token });

type Policy = 'FLEXIBLE' | 'MODERATE' | 'STRICT';
const homestays = new Map<Policy, string>();
async function homestayWith(policy: Policy): Promise<string> {
  const id = await createHomestay(ns(), PRICE);
  await query(ns(), 'homestay', 'update homestay set cancellation_policy = ? where id = ?', [policy, id]);
  return id;
}

const orderRow = async (sn: string) => (await query(ns(), 'order', 'select * from homestay_order where sn = ?', [sn]))[0]!;
const paymentRow = async (sn: string) => (await query(ns(), 'payment', 'select * from third_payment where order_sn = ?', [sn]))[0]!;
/** The payment events of an order that report a refund: one per refund that happened. */
const refundEvents = async (sn: string) => query(ns(), 'payment', `select payload from payment_outbox where message_key = ? and payload like '%"REFUNDED"%'`, [sn]);
const held = async (sn: string) => Number((await query(ns(), 'homestay', 'select count(*) n from homestay_reservation where sn = ? and state = 0', [sn]))[0]!.n);

/** A paid stay (WAIT_USE) starting `fromToday` days from today. */
async function paidStay(token: string, homestayId: string, fromToday: number, nights = 1) {
  const order = await book(token, homestayId, { fromToday, nights });
  const payment = await payOrder(token, order.sn);
  expect(await callback(gatewayUrl(), { paymentSn: payment.sn, amount: order.total })).toEqual({ status: 200, text: 'SUCCESS' });
  await waitFor(`${order.sn} paid`, async () => Number((await orderRow(order.sn)).trade_state) === 1, 30_000, 100);
  return { sn: order.sn, total: order.total, paymentSn: payment.sn };
}

const internal = (path: string, body: unknown) => internalPost('order', path, body, 'jobs');

let guest: Awaited<ReturnType<typeof signUp>>;
beforeAll(async () => {
  guest = await signUp('Refunder');
  for (const p of ['FLEXIBLE', 'MODERATE', 'STRICT'] as const) homestays.set(p, await homestayWith(p));
});

describe('requestRefund by policy', () => {
  // Days from today to check-in (the check-in day starts at its midnight in APP_TIMEZONE).
  const cases: { policy: Policy; fromToday: number; amount: number; why: string }[] = [
    { policy: 'FLEXIBLE', fromToday: 3, amount: PRICE, why: 'more than 24 h before: everything' },
    { policy: 'FLEXIBLE', fromToday: 1, amount: 0, why: 'tomorrow starts within 24 h: nothing' },
    { policy: 'MODERATE', fromToday: 10, amount: PRICE, why: 'more than 5 days before: everything' },
    { policy: 'MODERATE', fromToday: 3, amount: HALF, why: 'within 5 days: half, rounded down' },
    { policy: 'MODERATE', fromToday: 0, amount: 0, why: 'check-in day has begun: nothing' },
    { policy: 'STRICT', fromToday: 10, amount: HALF, why: 'more than 7 days before: half, rounded down' },
    { policy: 'STRICT', fromToday: 5, amount: 0, why: 'within 7 days: nothing' },
  ];

  it.each(cases)('$policy, check-in in $fromToday days: $why ($amount)', async ({ policy, fromToday, amount }) => {
    const o = await paidStay(guest.token, homestays.get(policy)!, fromToday);
    expect(o.total).toBe(PRICE);
    expect((await orderRow(o.sn)).cancellation_policy).toBe(policy);
    const r = await refund(guest.token, o.sn, 'plans changed');
    expect(r.errors).toBeUndefined();
    expect(r.data.requestRefund).toMatchObject({
      sn: o.sn,
      state: 'REFUNDED',
      total: PRICE,
      refundAmount: amount,
      // A refund of nothing leaves the payment as it was; any other gives back part or all of it.
      payments: [{ sn: o.paymentSn, status: amount ? 'REFUNDED' : 'SUCCESS', amount: PRICE }],
    });
    const row = await orderRow(o.sn);
    expect(Number(row.refund_amount)).toBe(amount);
    expect(row.refund_confirmed_at === null).toBe(amount === 0);
    const p = await paymentRow(o.sn);
    expect({ status: Number(p.pay_status), refund: p.refund_amount === null ? null : Number(p.refund_amount) }).toEqual(
      amount ? { status: 2, refund: amount } : { status: 1, refund: null },
    );
    expect(await refundEvents(o.sn)).toHaveLength(amount ? 1 : 0);
    expect(await held(o.sn)).toBe(0);

    // Asked again: the same order, nothing more given back.
    const again = await refund(guest.token, o.sn);
    expect(again.errors).toBeUndefined();
    expect(again.data.requestRefund).toMatchObject({ state: 'REFUNDED', refundAmount: amount });
    expect(await refundEvents(o.sn)).toHaveLength(amount ? 1 : 0);
    const order = await gql(`query($sn: ID!) { order(sn: $sn) { state refundAmount } }`, { sn: o.sn }, { token: guest.token });
    expect(order.data.order).toEqual({ state: 'REFUNDED', refundAmount: amount });
  });

  it('the payment REFUNDED event finds the order refunded already and changes nothing', async () => {
    const o = await paidStay(guest.token, homestays.get('MODERATE')!, 3);
    const r = await refund(guest.token, o.sn);
    expect(r.data.requestRefund.refundAmount).toBe(HALF);
    const [event] = await refundEvents(o.sn);
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    try {
      const outcome = await waitFor('the refund event handled', () => redis.get(`${ns()}:payment-event-done:${JSON.parse(event!.payload).eventId}`), 30_000, 100);
      expect(outcome).toBe('refund-recorded');
    } finally {
      redis.disconnect();
    }
    const row = await orderRow(o.sn);
    expect({ state: Number(row.trade_state), amount: Number(row.refund_amount) }).toEqual({ state: 3, amount: HALF });
  });
});

describe('requestRefund races', () => {
  it('several requests at once: one transition, one payment refund, the same amount for all', async () => {
    for (let round = 0; round < 3; round++) {
      const o = await paidStay(guest.token, homestays.get('FLEXIBLE')!, 4 + round);
      const replies = await Promise.all(Array.from({ length: 5 }, () => refund(guest.token, o.sn)));
      for (const r of replies) {
        expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
        expect(r.data.requestRefund).toMatchObject({ state: 'REFUNDED', refundAmount: PRICE });
      }
      expect(await refundEvents(o.sn)).toHaveLength(1);
      const p = await paymentRow(o.sn);
      expect([Number(p.pay_status), Number(p.refund_amount)]).toEqual([2, PRICE]);
      const changes = await query(ns(), 'order', `select payload from order_state_change where sn = ? and payload like '%"to":"REFUNDED"%'`, [o.sn]);
      expect(changes).toHaveLength(1);
    }
  });

  it('refund racing the settlement job: exactly one wins each order', async () => {
    const ORDERS = 8;
    const orders = [];
    for (let i = 0; i < ORDERS; i++) orders.push(await paidStay(guest.token, homestays.get('FLEXIBLE')!, 20 + i));
    const sns = orders.map((o) => o.sn);
    const inList = `(${sns.map(() => '?').join(',')})`;
    // Due for settlement (its stay "ended") while check-in is still far ahead for the policy: a
    // fixture only, so that both the settlement and a full refund are possible at once.
    await query(ns(), 'order', `update homestay_order set live_end_date = ? where sn in ${inList}`, [addDays(todayIn(), -1), ...sns]);
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
    const queue = new Queue('settle-record', { prefix: ns(), connection: redis });
    const lock = await mysql.createConnection({ uri: process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306', database: `${ns()}_order` });
    const lockWaits = () => orderLockWaiters(ns());
    let replies: Awaited<ReturnType<typeof refund>>[];
    let locked = false;
    try {
      // Hold the rows until the settle run and the refunds both wait on them, so they meet on every order.
      await lock.beginTransaction();
      locked = true;
      await lock.query(`select sn from homestay_order where sn in ${inList} for update`, sns);
      const run = await queue.add('settle', {});
      await waitFor('the settle run to wait on the lock', async () => (await lockWaits()) >= 1, 60_000, 50);
      const pending = Promise.all(orders.map((o) => refund(guest.token, o.sn)));
      await waitFor('the refunds to wait on the lock', async () => (await lockWaits()) >= 1 + ORDERS, 60_000, 50);
      await lock.commit();
      locked = false;
      replies = await pending;
      await waitFor('the settle run', async () => (await queue.getJobState(run.id!)) === 'completed', 60_000);
    } finally {
      if (locked) await lock.rollback().catch(() => undefined);
      await lock.end();
      await queue.close();
      redis.disconnect();
    }
    const outcome = { settled: 0, refunded: 0 };
    for (const [i, o] of orders.entries()) {
      const row = await orderRow(o.sn);
      const p = await paymentRow(o.sn);
      const records = await query(ns(), 'order', 'select amount from settle_record where order_sn = ?', [o.sn]);
      const events = await refundEvents(o.sn);
      const r = replies[i]!;
      if (Number(row.trade_state) === 2) {
        outcome.settled += 1;
        expect(errorCode(r), o.sn).toBe('CONFLICT');
        expect(records.map((x) => Number(x.amount)), o.sn).toEqual([o.total]);
        expect([Number(p.pay_status), p.refund_amount, events.length, row.refund_amount], o.sn).toEqual([1, null, 0, null]);
      } else {
        outcome.refunded += 1;
        expect(r.data?.requestRefund, o.sn).toMatchObject({ state: 'REFUNDED', refundAmount: o.total });
        expect([Number(row.trade_state), Number(row.refund_amount)], o.sn).toEqual([3, o.total]);
        expect(records, o.sn).toEqual([]);
        expect([Number(p.pay_status), Number(p.refund_amount), events.length], o.sn).toEqual([2, o.total, 1]);
      }
    }
    console.log(`[refund-settle] ${outcome.settled} settled, ${outcome.refunded} refunded`);
    expect(outcome.settled + outcome.refunded).toBe(ORDERS);
  }, 180_000);
});

describe('requestRefund refusals', () => {
  it('CONFLICT unless WAIT_USE: unpaid, cancelled and used orders, nothing changed', async () => {
    const homestayId = homestays.get('FLEXIBLE')!;
    const unpaid = await book(guest.token, homestayId, { fromToday: 30 });
    const cancelled = await book(guest.token, homestayId, { fromToday: 31 });
    expect((await gql(`mutation($sn: ID!) { cancelOrder(sn: $sn) { state } }`, { sn: cancelled.sn }, { token: guest.token })).data.cancelOrder.state).toBe('CANCELLED');
    const used = await paidStay(guest.token, homestayId, 32);
    expect((await internal('/orders/transition', { sn: used.sn, to: 'USED' })).body).toMatchObject({ changed: true });
    for (const [sn, state] of [[unpaid.sn, 0], [cancelled.sn, -1], [used.sn, 2]] as const) {
      const r = await refund(guest.token, sn);
      expect(errorCode(r), sn).toBe('CONFLICT');
      const row = await orderRow(sn);
      expect([Number(row.trade_state), row.refund_amount], sn).toEqual([state, null]);
    }
    expect(Number((await paymentRow(used.sn)).pay_status)).toBe(1);
    expect(await held(unpaid.sn)).toBe(2);
  });

  it('NOT_FOUND for another user’s order or an unknown one; UNAUTHENTICATED without a token; BAD_USER_INPUT for a long reason', async () => {
    const o = await paidStay(guest.token, homestays.get('FLEXIBLE')!, 40);
    const stranger = await signUp('Stranger');
    expect(errorCode(await refund(stranger.token, o.sn))).toBe('NOT_FOUND');
    expect(errorCode(await refund(guest.token, 'HSO2026010100000000000000'))).toBe('NOT_FOUND');
    expect(errorCode(await refund(undefined, o.sn))).toBe('UNAUTHENTICATED');
    const long = await refund(guest.token, o.sn, 'x'.repeat(256));
    expect(errorCode(long)).toBe('BAD_USER_INPUT');
    expect(long.errors![0]!.extensions!.argumentName).toBe('reason');
    const row = await orderRow(o.sn);
    expect([Number(row.trade_state), row.refund_amount]).toEqual([1, null]);
    expect(await held(o.sn)).toBe(1);
  });
});

describe('what a refund gives back to others', () => {
  const conns: WsConnection[] = [];
  afterAll(async () => {
    await Promise.all(conns.map((c) => c.dispose().catch(() => undefined)));
  });

  it('the nights are free again: another guest books them', async () => {
    const homestayId = await createSmallHomestay(ns(), { roomCount: 1, price: PRICE });
    const o = await paidStay(guest.token, homestayId, 12, 2);
    const other = await signUp('Next guest');
    const attempt = () => book(other.token, homestayId, { fromToday: 12, nights: 2 });
    await expect(attempt()).rejects.toThrow(/SOLD_OUT/);
    expect((await refund(guest.token, o.sn)).data.requestRefund.state).toBe('REFUNDED');
    const next = await attempt();
    expect(next.state).toBe('WAIT_PAY');
  });

  it('a subscriber sees WAIT_USE → REFUNDED with the amount', async () => {
    const o = await paidStay(guest.token, homestays.get('STRICT')!, 15);
    const conn = connect(gatewayUrl().replace(/^http/, 'ws') + '/graphql', guest.token);
    conns.push(conn);
    const sub = subscribe(conn, `subscription($sn: ID) { orderStateChanged(sn: $sn) { from to order { sn state refundAmount } } }`, { sn: o.sn });
    // The current state first: from then on the subscription is listening.
    const [current] = await sub.waitFor(1);
    expect(current!.data).toEqual({ orderStateChanged: { from: 'WAIT_USE', to: 'WAIT_USE', order: { sn: o.sn, state: 'WAIT_USE', refundAmount: null } } });
    expect((await refund(guest.token, o.sn)).data.requestRefund.refundAmount).toBe(HALF);
    const [, change] = await sub.waitFor(2);
    expect(change!.data).toEqual({ orderStateChanged: { from: 'WAIT_USE', to: 'REFUNDED', order: { sn: o.sn, state: 'REFUNDED', refundAmount: HALF } } });
  });
});
