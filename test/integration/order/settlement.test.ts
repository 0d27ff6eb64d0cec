import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import { beforeAll, describe, expect, it } from 'vitest';
import { gql, signUp, testNamespace } from '../../support/gql.js';
import { type Account, type Landlord, endStay, landlordWith, orderRow, paidStay, runSettleJob, settleRecords } from './landlord-support.js';
import { orderLockWaiters, query, waitFor } from './support.js';

/**
 * Settlement of finished stays by the settle-record job (the real job, through its queue): one
 * record per order for a checked-in, a never-checked-in and a partly refunded stay, none for a
 * stay refunded in full; what the landlord then reads as settlements and income.
 */
const ns = () => testNamespace();
const CHECK_IN = `mutation($sn: ID!, $code: String!) { checkIn(orderSn: $sn, code: $code) { sn state } }`;
const SETTLEMENTS = `query($id: ID!, $first: Int, $after: String) {
  homestay(id: $id) {
    settlements(first: $first, after: $after) {
      edges { node { id amount periodStart periodEnd settledAt order { sn state total } } }
      pageInfo { hasNextPage hasPreviousPage endCursor }
    }
  }
}`;
const INCOME = `query($id: ID!, $from: Date!, $to: Date!) { business(id: $id) { income(from: $from, to: $to) { from to amount stays } } }`;

const refund = (sn: string, amount: number | null) =>
  query(ns(), 'order', 'update homestay_order set trade_state = 3, refund_amount = ? where sn = ?', [amount, sn]);

let landlord: Landlord;
let guest: Account;
let homestayId: string;

beforeAll(async () => {
  [landlord, guest] = await Promise.all([landlordWith(1), signUp('Guest')]);
  homestayId = landlord.homestayIds[0]!;
});

describe('settle-record', () => {
  it('settles a checked-in stay once after it ended, leaving it USED', async () => {
    const order = await paidStay(guest.token, homestayId, 0, 2);
    expect((await gql(CHECK_IN, { sn: order.sn, code: order.tradeCode }, { token: landlord.account.token })).data.checkIn.state).toBe('USED');
    await runSettleJob();
    expect(await settleRecords(order.sn)).toEqual([]); // the stay has not ended

    await endStay(order.sn);
    const changes = async () => Number((await query(ns(), 'order', 'select count(*) n from order_state_change where sn = ?', [order.sn]))[0]!.n);
    const before = await changes();
    await runSettleJob(2);
    const row = await orderRow(order.sn);
    const records = await settleRecords(order.sn);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      amount: order.total,
      business_id: Number(landlord.businessId),
      homestay_id: Number(homestayId),
      period_start: row.live_start_date,
      period_end: row.live_end_date,
    });
    expect(Number(row.trade_state)).toBe(2);
    expect(await changes()).toBe(before); // no state change to announce

    // The landlord reads it as a settlement of the homestay and as income on its checkOut day.
    const s = await gql(SETTLEMENTS, { id: homestayId }, { token: landlord.account.token });
    expect(s.errors).toBeUndefined();
    const node = s.data.homestay.settlements.edges.find((e: any) => e.node.order.sn === order.sn)?.node;
    expect(node).toMatchObject({ amount: order.total, periodStart: row.live_start_date, periodEnd: row.live_end_date, order: { state: 'USED', total: order.total } });
    expect(Date.parse(node.settledAt)).toBeGreaterThan(Date.now() - 120_000);
    const day = row.live_end_date as string;
    const income = await gql(INCOME, { id: landlord.businessId, from: day, to: day }, { token: landlord.account.token });
    expect(income.data.business.income).toMatchObject({ from: day, to: day });
    expect(income.data.business.income.amount).toBeGreaterThanOrEqual(order.total);
  });

  it('settles a never-checked-in stay as before: USED with one record', async () => {
    const order = await paidStay(guest.token, homestayId, 0, 1);
    await endStay(order.sn);
    await runSettleJob();
    expect(Number((await orderRow(order.sn)).trade_state)).toBe(2);
    expect((await settleRecords(order.sn)).map((r) => r.amount)).toEqual([order.total]);
  });

  it('settles a partly refunded stay for the remainder, and never one refunded in full', async () => {
    const partly = await paidStay(guest.token, homestayId, 10, 2);
    const full = await paidStay(guest.token, homestayId, 10, 2);
    const legacy = await paidStay(guest.token, homestayId, 10, 2);
    const nothing = await paidStay(guest.token, homestayId, 10, 2);
    // requestRefund decides refund_amount with the move to REFUNDED; here it is written directly.
    await refund(partly.sn, 12000);
    await refund(full.sn, full.total);
    await refund(legacy.sn, null); // a provider refund from before refund_amount: in full
    await refund(nothing.sn, 0); // refunded nothing: the landlord is owed all of it
    for (const o of [partly, full, legacy, nothing]) await endStay(o.sn);
    await runSettleJob(2);

    expect((await settleRecords(partly.sn)).map((r) => r.amount)).toEqual([partly.total - 12000]);
    expect((await settleRecords(nothing.sn)).map((r) => r.amount)).toEqual([nothing.total]);
    expect(await settleRecords(full.sn)).toEqual([]);
    expect(await settleRecords(legacy.sn)).toEqual([]);
    for (const o of [partly, full, legacy, nothing]) expect(Number((await orderRow(o.sn)).trade_state)).toBe(3);
  });

  it('pages a homestay\'s settlements newest first', async () => {
    const { account, homestayIds, businessId } = await landlordWith(1);
    const orders = [];
    for (let i = 0; i < 3; i++) orders.push(await paidStay(guest.token, homestayIds[0]!, 0, 1));
    for (const o of orders) await endStay(o.sn, 3, 1);
    await runSettleJob();
    const first = await gql(SETTLEMENTS, { id: homestayIds[0], first: 2 }, { token: account.token });
    expect(first.errors).toBeUndefined();
    const page = first.data.homestay.settlements;
    expect(page.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const next = (await gql(SETTLEMENTS, { id: homestayIds[0], first: 2, after: page.pageInfo.endCursor }, { token: account.token })).data.homestay.settlements;
    expect(next.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const ids = [...page.edges, ...next.edges].map((e: any) => Number(e.node.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect([...page.edges, ...next.edges].map((e: any) => e.node.order.sn).sort()).toEqual(orders.map((o) => o.sn).sort());

    // Income counts the stays by their checkOut day, both ends included.
    const day = (await orderRow(orders[0]!.sn)).live_end_date as string;
    const income = await gql(INCOME, { id: businessId, from: day, to: day }, { token: account.token });
    expect(income.data.business.income).toEqual({ from: day, to: day, amount: orders.reduce((n, o) => n + o.total, 0), stays: 3 });
    const before = await gql(INCOME, { id: businessId, from: '2020-01-01', to: '2020-12-31' }, { token: account.token });
    expect(before.data.business.income).toMatchObject({ amount: 0, stays: 0 });
  });

  it('check-in racing the settle job: exactly one record, the order USED', async () => {
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
    const queue = new Queue('settle-record', { prefix: ns(), connection: redis });
    const lock = await mysql.createConnection({ uri: process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306', database: `${ns()}_order` });
    try {
      for (let round = 0; round < 4; round++) {
        const order = await paidStay(guest.token, homestayId, 0, 1);
        await endStay(order.sn, 2, 1); // checked in late, after the stay
        await lock.beginTransaction();
        await lock.query('select sn from homestay_order where sn = ? for update', [order.sn]);
        // Both wait on the row, then meet when it is let go; which one gets it first varies.
        const [checked, { job, waiting }] = await Promise.all([
          gql(CHECK_IN, { sn: order.sn, code: order.tradeCode }, { token: landlord.account.token }),
          (async () => {
            const job = await queue.add('settle', {});
            const waiting = await waitFor(() => orderLockWaiters(ns()), (n) => n >= 2, 30_000, 100);
            await lock.commit();
            return { job, waiting };
          })(),
        ]);
        // The check-in and the settle run (the scheduler's own run may be waiting too).
        expect(waiting).toBeGreaterThanOrEqual(2);
        await waitFor(() => queue.getJobState(job.id!), (s) => s === 'completed', 30_000);
        expect(checked.errors).toBeUndefined();
        expect(checked.data.checkIn.state).toBe('USED');
        expect(Number((await orderRow(order.sn)).trade_state)).toBe(2);
        expect((await settleRecords(order.sn)).map((r) => r.amount)).toEqual([order.total]);
      }
    } finally {
      await lock.rollback().catch(() => undefined);
      await lock.end();
      await queue.close();
      redis.disconnect();
    }
  });
});
