import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { gatewayUrl, gql, processUrl, signUp, testNamespace } from '../../support/gql.js';
import { book, callback, createHomestay, payOrder, query, readOrder, waitFor } from './support.js';

/**
 * SUCCESS after FAILED: the provider captured money for a payment the platform had written off.
 * That money ends in exactly one place: it pays the order, or it goes back.
 */
let homestayId: string;
let redis: Redis;
const ns = () => testNamespace();
const paymentRow = async (sn: string) => (await query(ns(), 'payment', 'select * from third_payment where sn = ?', [sn]))[0]!;
const waitState = (token: string, sn: string, state: string) =>
  waitFor(`order ${sn} to be ${state}`, async () => {
    const o = (await readOrder(token, sn)).data?.order;
    return o?.state === state ? o : null;
  }, 30_000);
/** Waits until the consumer handled every event the payment service wrote for the order. */
async function eventsHandled(orderSn: string, count: number) {
  await waitFor(`${count} events of ${orderSn} handled`, async () => {
    const rows = await query(ns(), 'payment', 'select event_id from payment_outbox where message_key = ?', [orderSn]);
    if (rows.length < count) return false;
    const done = await Promise.all(rows.map((r) => redis.exists(`${ns()}:payment-event-done:${r.event_id}`)));
    return done.every(Boolean);
  }, 30_000);
}
const lateCaptures = async (outcome: string) => {
  const text = await (await fetch(`${processUrl('payment')}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('payment_late_captures_total{') && l.includes(`outcome="${outcome}"`));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
};
const paymentLog = () => readFileSync(new URL(`../../../.data/test-logs/${ns()}-payment-${inject('ports').payment}.log`, import.meta.url), 'utf8');

beforeAll(async () => {
  homestayId = await createHomestay(ns());
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
});
afterAll(() => redis?.disconnect());

describe('SUCCESS after FAILED (a late capture)', () => {
  it('pays the order when no other payment holds it, and is counted and logged', async () => {
    const guest = await signUp();
    const order = await book(guest.token, homestayId);
    const payment = await payOrder(guest.token, order.sn);
    const before = await lateCaptures('live');
    expect(await callback(gatewayUrl(), { paymentSn: payment.sn, amount: order.total, status: 'FAILED' })).toEqual({ status: 200, text: 'SUCCESS' });
    expect((await paymentRow(payment.sn)).pay_status).toBe(-1);
    expect(await callback(gatewayUrl(), { paymentSn: payment.sn, amount: order.total })).toEqual({ status: 200, text: 'SUCCESS' });
    const paid = await waitState(guest.token, order.sn, 'WAIT_USE');
    expect(paid.payments).toEqual([{ sn: payment.sn, status: 'SUCCESS', amount: order.total }]);
    expect(await paymentRow(payment.sn)).toMatchObject({ pay_status: 1, live_order_sn: order.sn, transaction_id: `TX${payment.sn}` });
    expect(await lateCaptures('live')).toBeGreaterThanOrEqual(before + 1);
    await waitFor('the warn line', async () => paymentLog().split('\n').some((l) => l.includes(payment.sn) && l.includes('late capture')));
    // The provider repeating itself changes nothing more.
    expect(await callback(gatewayUrl(), { paymentSn: payment.sn, amount: order.total })).toEqual({ status: 200, text: 'SUCCESS' });
    expect(await lateCaptures('live')).toBe(before + 1);
  });

  it('is refunded when another payment paid the order, which stays paid', async () => {
    const guest = await signUp();
    const order = await book(guest.token, homestayId);
    const first = await payOrder(guest.token, order.sn);
    await callback(gatewayUrl(), { paymentSn: first.sn, amount: order.total, status: 'FAILED' });
    const second = await payOrder(guest.token, order.sn);
    expect(second.sn).not.toBe(first.sn);
    await callback(gatewayUrl(), { paymentSn: second.sn, amount: order.total });
    await waitState(guest.token, order.sn, 'WAIT_USE');
    const before = await lateCaptures('refund');
    // The first payment's money arrives after all.
    expect(await callback(gatewayUrl(), { paymentSn: first.sn, amount: order.total })).toEqual({ status: 200, text: 'SUCCESS' });
    await waitFor('the late capture refunded', async () => (await paymentRow(first.sn)).pay_status === 2);
    expect(await lateCaptures('refund')).toBeGreaterThanOrEqual(before + 1);
    // FAILED, SUCCESS (second), SUCCESS (first, late), REFUNDED (first).
    await eventsHandled(order.sn, 4);
    const o = (await readOrder(guest.token, order.sn)).data.order;
    expect(o.state).toBe('WAIT_USE');
    expect(o.payments).toEqual([
      { sn: first.sn, status: 'REFUNDED', amount: order.total },
      { sn: second.sn, status: 'SUCCESS', amount: order.total },
    ]);
    expect((await paymentRow(second.sn)).live_order_sn).toBe(order.sn);
    expect((await paymentRow(first.sn)).live_order_sn).toBeNull();
  });

  it('is refunded when the order closed meanwhile, which stays CANCELLED', async () => {
    const guest = await signUp();
    const order = await book(guest.token, homestayId);
    const payment = await payOrder(guest.token, order.sn);
    await callback(gatewayUrl(), { paymentSn: payment.sn, amount: order.total, status: 'FAILED' });
    await gql(`mutation($sn: ID!) { cancelOrder(sn: $sn) { state } }`, { sn: order.sn }, { token: guest.token });
    await callback(gatewayUrl(), { paymentSn: payment.sn, amount: order.total });
    await waitFor('the refund', async () => (await paymentRow(payment.sn)).pay_status === 2);
    await eventsHandled(order.sn, 3);
    expect((await readOrder(guest.token, order.sn)).data.order.state).toBe('CANCELLED');
  });
});
