import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import { beforeAll, describe, expect, it } from 'vitest';
import { gatewayUrl, signUp, testNamespace } from '../../support/gql.js';
import { book, callback, createHomestay, payOrder, query, waitFor } from './support.js';
import { orderLockWaiters } from '../order/support.js';

/**
 * Settlement and refund of the same paid orders at the same time, through the real settle job and
 * real REFUND callbacks (shared stack). The test holds the orders' rows locked until both the
 * settle run and refunds are waiting on them, so they meet on every order in flight. The order's
 * own state transition decides: each order ends USED with exactly one settlement record, or
 * REFUNDED, which a provider refund is in full, with none (only a partial refund leaves the
 * landlord a settlement: test/integration/order/settlement.test.ts).
 */
const ns = () => testNamespace();
const ORDERS = 30;
let homestayId: string;

beforeAll(async () => {
  homestayId = await createHomestay(ns());
});

const inList = (sns: string[]) => `(${sns.map(() => '?').join(',')})`;
const states = async (sns: string[]) =>
  new Map((await query(ns(), 'order', `select sn, trade_state from homestay_order where sn in ${inList(sns)}`, sns)).map((r) => [r.sn as string, Number(r.trade_state)]));
/** What a refund left the landlord (the shared settlement rule): total − refund_amount, none for null (in full). */
const leftOver = async (sns: string[]) =>
  new Map(
    (await query(ns(), 'order', `select sn, order_total_price, refund_amount from homestay_order where sn in ${inList(sns)}`, sns)).map((r) => [
      r.sn as string,
      r.refund_amount === null ? 0 : Number(r.order_total_price) - Number(r.refund_amount),
    ]),
  );
/** Statements of this test's order database waiting for a row lock (the ones the test holds). */
const lockWaits = () => orderLockWaiters(ns());
const settleRecords = async (sns: string[]) => query(ns(), 'order', `select order_sn from settle_record where order_sn in ${inList(sns)}`, sns);

describe('settle-record racing refunds', () => {
  it('never writes a settlement record for a refunded order', async () => {
    // Three orders a guest: a guest holds at most ORDER_MAX_UNPAID_PER_USER (3) unpaid at once.
    const guests = await Promise.all(Array.from({ length: Math.ceil(ORDERS / 3) }, () => signUp('Settler')));
    const orders: { sn: string; total: number; paymentSn: string }[] = [];
    for (let i = 0; i < ORDERS; i++) {
      const { token } = guests[Math.floor(i / 3)]!;
      const o = await book(token, homestayId);
      orders.push({ sn: o.sn, total: o.total, paymentSn: (await payOrder(token, o.sn)).sn });
    }
    const sns = orders.map((o) => o.sn);
    await Promise.all(orders.map((o) => callback(gatewayUrl(), { paymentSn: o.paymentSn, amount: o.total })));
    await waitFor('every order paid', async () => [...(await states(sns)).values()].every((s) => s === 1), 60_000, 200);
    // The stays have ended (no booking can be made in the past: move the dates back).
    await query(ns(), 'order', `update homestay_order set live_start_date = date_sub(curdate(), interval 4 day), live_end_date = date_sub(curdate(), interval 2 day) where sn in ${inList(sns)}`, sns);

    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
    const queue = new Queue('settle-record', { prefix: ns(), connection: redis });
    const lock = await mysql.createConnection({ uri: process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306', database: `${ns()}_order` });
    let locked = false;
    try {
      await lock.beginTransaction();
      locked = true;
      await lock.query(`select sn from homestay_order where sn in ${inList(sns)} for update`, sns);
      // The settle run lists the orders and waits on the first one; then the refunds wait too.
      const run = await queue.add('settle', {});
      await waitFor('the settle run to wait on the lock', async () => (await lockWaits()) >= 1, 60_000, 50);
      const replies = await Promise.all(orders.map((o) => callback(gatewayUrl(), { paymentSn: o.paymentSn, amount: o.total, status: 'REFUND' })));
      expect(replies.every((r) => r.status === 200 && r.text === 'SUCCESS')).toBe(true);
      await waitFor('refunds to wait on the lock', async () => (await lockWaits()) >= 2, 60_000, 50);
      await lock.commit();
      locked = false;
      await waitFor('the settle run', async () => (await queue.getJobState(run.id!)) === 'completed', 60_000);
      // Every refund event consumed: a refund either moved its order or found it settled.
      await waitFor('every refund event handled', async () => {
        const events = await query(ns(), 'payment', `select payload from payment_outbox where message_key in ${inList(sns)} and payload like '%"REFUNDED"%'`, sns);
        if (events.length < ORDERS) return false;
        const done = await redis.mget(...events.map((e) => `${ns()}:payment-event-done:${JSON.parse(e.payload).eventId}`));
        return done.every((d) => d !== null);
      }, 60_000, 200);
    } finally {
      if (locked) await lock.rollback().catch(() => undefined);
      await lock.end();
      await queue.close();
      redis.disconnect();
    }

    const final = await states(sns);
    const left = await leftOver(sns);
    const records = await settleRecords(sns);
    const recorded = new Map<string, number>();
    for (const r of records) recorded.set(r.order_sn, (recorded.get(r.order_sn) ?? 0) + 1);
    const wrong = sns.filter((sn) => {
      const s = final.get(sn);
      if (s === 2) return recorded.get(sn) !== 1;
      if (s === 3) return (recorded.get(sn) ?? 0) !== (left.get(sn)! > 0 ? 1 : 0);
      return true;
    });
    expect(wrong.map((sn) => ({ sn, state: final.get(sn), records: recorded.get(sn) ?? 0 }))).toEqual([]);
    // Provider refunds are refunds in full: no refunded order here leaves the landlord anything.
    expect(sns.filter((sn) => final.get(sn) === 3 && left.get(sn)! > 0)).toEqual([]);
    const used = [...final.values()].filter((s) => s === 2).length;
    console.log(`[settle-refund] ${used} settled, ${ORDERS - used} refunded`);
  }, 240_000);
});

// In this file, not payment.test.ts: the racing test above holds its orders' rows locked, which
// stalls any settle run of the shared stack meanwhile; tests of one file never overlap.
describe('settle-record', () => {
  it('a finished stay never checked in becomes USED with one settlement record, however often the job runs', async () => {
    const guest = await signUp();
    const order = await book(guest.token, homestayId);
    const payment = await payOrder(guest.token, order.sn);
    await callback(gatewayUrl(), { paymentSn: payment.sn, amount: order.total });
    const orderRow = async () => (await query(ns(), 'order', 'select * from homestay_order where sn = ?', [order.sn]))[0]!;
    await waitFor('paid', async () => Number((await orderRow()).trade_state) === 1, 30_000, 200);
    // The stay has ended (no booking can be made in the past: move the dates back).
    await query(ns(), 'order', 'update homestay_order set live_start_date = date_sub(curdate(), interval 4 day), live_end_date = date_sub(curdate(), interval 2 day) where sn = ?', [order.sn]);
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
    const queue = new Queue('settle-record', { prefix: ns(), connection: redis });
    try {
      const jobs = await Promise.all([queue.add('settle', {}), queue.add('settle', {})]);
      await waitFor('both runs', async () => (await Promise.all(jobs.map((j) => queue.getJobState(j.id!)))).every((s) => s === 'completed'), 30_000);
    } finally {
      await queue.close();
      redis.disconnect();
    }
    await waitFor('settled', async () => Number((await orderRow()).trade_state) === 2, 20_000, 200);
    const records = await query(ns(), 'order', 'select * from settle_record where order_sn = ?', [order.sn]);
    expect(records).toHaveLength(1);
    const o = await orderRow();
    expect(records[0]).toMatchObject({
      amount: order.total,
      business_id: String(o.homestay_business_id),
      homestay_id: String(o.homestay_id),
      period_start: o.live_start_date,
      period_end: o.live_end_date,
    });
  });
});
