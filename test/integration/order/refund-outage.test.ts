import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../../support/stack.js';
import { gql, uniqueMobile } from '../../support/gql.js';
import { book, callback, createHomestay, payOrder, query, waitFor } from '../payment/support.js';

/**
 * Refunds that outlive a failure, on a stack of its own (its processes are stopped and started):
 * the order decides the refund and the money follows once the payment service can pay it, exactly
 * once; and a provider that refunds the whole payment on its own while a guest's partial refund
 * is decided leaves the order with what actually went back.
 */
const namespace = `t${Date.now().toString(36)}${randomBytes(2).toString('hex')}ro`;
let stack: Stack;
let homestayId: string;

const REFUND = `mutation($sn: ID!) { requestRefund(orderSn: $sn) { sn state refundAmount } }`;
const orderRow = async (sn: string) => (await query(namespace, 'order', 'select * from homestay_order where sn = ?', [sn]))[0]!;
const paymentRow = async (sn: string) => (await query(namespace, 'payment', 'select * from third_payment where order_sn = ?', [sn]))[0]!;
const refundEvents = async (sn: string) => query(namespace, 'payment', `select payload from payment_outbox where message_key = ? and payload like '%"REFUNDED"%'`, [sn]);

async function register() {
  const r = await gql(`mutation($input: RegisterInput!) { register(input: $input) { accessToken } }`, { input: { mobile: uniqueMobile(), password: 'correct-horse-9' } }, { url: stack.graphqlUrl });
  if (!r.data?.register) throw new Error(JSON.stringify(r.errors));
  return r.data.register.accessToken as string;
}

async function paidStay(token: string, fromToday: number) {
  const url = stack.graphqlUrl;
  const order = await book(token, homestayId, { url, fromToday, nights: 1 });
  const payment = await payOrder(token, order.sn, { url });
  expect(await callback(stack.gatewayUrl, { paymentSn: payment.sn, amount: order.total })).toEqual({ status: 200, text: 'SUCCESS' });
  await waitFor(`${order.sn} paid`, async () => Number((await orderRow(order.sn)).trade_state) === 1, 60_000, 100);
  return { sn: order.sn, total: order.total, paymentSn: payment.sn };
}

beforeAll(async () => {
  process.env.NAMESPACE = namespace;
  const { migrateAll } = await import('../../../scripts/migrate.js');
  await migrateAll(() => undefined);
  const { Stack } = await import('../../support/stack.js');
  // A quick sweep: the backstop that pays back refunds the payment service could not confirm.
  stack = await Stack.start({ namespace, env: { ORDER_SWEEP_INTERVAL: '1s' } });
  homestayId = await createHomestay(namespace, 10001);
  await query(namespace, 'homestay', "update homestay set cancellation_policy = 'MODERATE' where id = ?", [homestayId]);
}, 240_000);

afterAll(async () => {
  await stack?.close();
  if (!process.env.KEEP_TEST_DATA) {
    const { cleanupNamespace } = await import('../../support/cleanup.js');
    await cleanupNamespace(namespace).catch(() => undefined);
  }
}, 120_000);

describe('refunds through outages', () => {
  it('payment service down: the order answers REFUNDED, and the money goes back once the service is back, exactly once', async () => {
    const token = await register();
    const orders = [await paidStay(token, 10), await paidStay(token, 11), await paidStay(token, 3)];
    const expected = [10001, 10001, 5000];
    await stack.stopProcess('payment');
    try {
      // Every order asked twice, one pair at once.
      for (const [i, o] of orders.entries()) {
        const replies = await Promise.all([1, 2].map(() => gql(REFUND, { sn: o.sn }, { token, url: stack.graphqlUrl })));
        for (const r of replies) {
          expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
          expect(r.data.requestRefund).toMatchObject({ state: 'REFUNDED', refundAmount: expected[i] });
        }
      }
      // Several sweeps while the payment service is down: the refunds stay owed, nothing paid back.
      await new Promise((r) => setTimeout(r, 3500));
      for (const o of orders) {
        const row = await orderRow(o.sn);
        expect([Number(row.trade_state), row.refund_confirmed_at], o.sn).toEqual([3, null]);
        expect(Number((await paymentRow(o.sn)).pay_status), o.sn).toBe(1);
      }
    } finally {
      await stack.startProcess('payment');
    }
    for (const [i, o] of orders.entries()) {
      await waitFor(`${o.sn} refund confirmed`, async () => (await orderRow(o.sn)).refund_confirmed_at !== null, 60_000, 200);
      const p = await paymentRow(o.sn);
      expect([Number(p.pay_status), Number(p.refund_amount)], o.sn).toEqual([2, expected[i]]);
    }
    // More sweeps, and the guest asking again: still one refund each.
    await Promise.all(orders.map((o) => gql(REFUND, { sn: o.sn }, { token, url: stack.graphqlUrl })));
    await new Promise((r) => setTimeout(r, 2500));
    for (const o of orders) expect(await refundEvents(o.sn), o.sn).toHaveLength(1);
  }, 180_000);

  it('the provider refunds the whole payment while a guest’s half refund is decided: the order keeps what went back', async () => {
    const token = await register();
    const o = await paidStay(token, 3);
    // No consumer: the provider's REFUNDED event waits while the guest asks.
    await stack.stopProcess('jobs');
    try {
      expect(await callback(stack.gatewayUrl, { paymentSn: o.paymentSn, amount: o.total, status: 'REFUND' })).toEqual({ status: 200, text: 'SUCCESS' });
      const r = await gql(REFUND, { sn: o.sn }, { token, url: stack.graphqlUrl });
      expect(r.data.requestRefund).toMatchObject({ state: 'REFUNDED', refundAmount: 5000 });
      // The payment service refused the half (the payment is refunded whole): not confirmed.
      expect((await orderRow(o.sn)).refund_confirmed_at).toBeNull();
    } finally {
      await stack.startProcess('jobs');
    }
    await waitFor('the provider refund recorded on the order', async () => (await orderRow(o.sn)).refund_confirmed_at !== null, 60_000, 200);
    const row = await orderRow(o.sn);
    expect([Number(row.trade_state), Number(row.refund_amount)]).toEqual([3, o.total]);
    const p = await paymentRow(o.sn);
    expect([Number(p.pay_status), Number(p.refund_amount)]).toEqual([2, o.total]);
    expect(await refundEvents(o.sn)).toHaveLength(1);
    const read = await gql(`query($sn: ID!) { order(sn: $sn) { state refundAmount } }`, { sn: o.sn }, { token, url: stack.graphqlUrl });
    expect(read.data.order).toEqual({ state: 'REFUNDED', refundAmount: o.total });
  }, 180_000);
});
