import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, signUp, testNamespace } from '../../support/gql.js';
import { book, createHomestay, NOTIFICATIONS, payOrder, query, readOrder, waitFor } from './support.js';
import { transitionOrder } from '../../support/stays.js';

/**
 * Payment events reaching the consumer in any order (two relays, a replay): the order follows
 * the payment's final state, whatever order its events arrive in.
 */
let homestayId: string;
let redis: Redis;
let kafka: Kafka;
const ns = () => testNamespace();

beforeAll(async () => {
  homestayId = await createHomestay(ns());
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  kafka = new Kafka({ clientId: 'event-order-test', brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), logLevel: logLevel.NOTHING });
});
afterAll(() => redis?.disconnect());

async function deliver(events: object[], key: string) {
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic: `${ns()}.payment-update-paystatus`, messages: events.map((e) => ({ key, value: JSON.stringify(e) })) });
  } finally {
    await producer.disconnect();
  }
}
const handled = (eventIds: string[]) =>
  waitFor('the consumer to handle every event', async () => (await Promise.all(eventIds.map((id) => redis.exists(`${ns()}:payment-event-done:${id}`)))).every(Boolean), 30_000);

describe('payment events out of order', () => {
  it('REFUNDED before its SUCCESS: the order never ends WAIT_USE with a refunded payment', async () => {
    const guest = await signUp();
    const order = await book(guest.token, homestayId);
    const payment = await payOrder(guest.token, order.sn);
    // The provider captured and then refunded the payment (both callbacks committed) ...
    await query(ns(), 'payment', "update third_payment set pay_status = 2, trade_state = 'REFUND', transaction_id = ?, pay_time = current_timestamp(3) where sn = ?", [`TX${payment.sn}`, payment.sn]);
    const base = { orderSn: order.sn, paymentSn: payment.sn, amount: order.total, paidAt: new Date().toISOString() };
    const refunded = { ...base, eventId: randomUUID(), payStatus: 'REFUNDED' };
    const success = { ...base, eventId: randomUUID(), payStatus: 'SUCCESS' };
    // ... and their events arrive the wrong way round.
    await deliver([refunded, success], order.sn);
    await handled([refunded.eventId, success.eventId]);
    const o = (await readOrder(guest.token, order.sn)).data.order;
    expect(o.payments).toEqual([{ sn: payment.sn, status: 'REFUNDED', amount: order.total }]);
    expect(o.state).not.toBe('WAIT_USE');
    // The money went back before the order was paid: the order is closed and its nights freed.
    expect(o.state).toBe('CANCELLED');
    await waitFor('nights released', async () => Number((await query(ns(), 'homestay', 'select count(*) n from homestay_reservation where sn = ? and state = 0', [order.sn]))[0]!.n) === 0);
  });

  it('a stale SUCCESS replayed after the REFUNDED was applied changes nothing', async () => {
    const guest = await signUp();
    const order = await book(guest.token, homestayId);
    const payment = await payOrder(guest.token, order.sn);
    await query(ns(), 'payment', "update third_payment set pay_status = 1, trade_state = 'SUCCESS', transaction_id = ?, pay_time = current_timestamp(3) where sn = ?", [`TX${payment.sn}`, payment.sn]);
    const base = { orderSn: order.sn, paymentSn: payment.sn, amount: order.total, paidAt: new Date().toISOString() };
    const success = { ...base, eventId: randomUUID(), payStatus: 'SUCCESS' };
    await deliver([success], order.sn);
    await handled([success.eventId]);
    expect((await readOrder(guest.token, order.sn)).data.order.state).toBe('WAIT_USE');
    await query(ns(), 'payment', "update third_payment set pay_status = 2, trade_state = 'REFUND' where sn = ?", [payment.sn]);
    const refunded = { ...base, eventId: randomUUID(), payStatus: 'REFUNDED' };
    const replay = { ...base, eventId: randomUUID(), payStatus: 'SUCCESS' };
    await deliver([refunded, replay], order.sn);
    await handled([refunded.eventId, replay.eventId]);
    expect((await readOrder(guest.token, order.sn)).data.order.state).toBe('REFUNDED');
  });

  it('a SUCCESS redelivered after the guest refunded (the consumer died between paying the order and queueing its messages): the paid guest still gets both messages, once', async () => {
    // Found by the fault soak (seed 1001 on a clean clone): a paid, then refunded order without messages.
    const guest = await signUp();
    const order = await book(guest.token, homestayId);
    const payment = await payOrder(guest.token, order.sn);
    // The provider captured; the consumer applied the SUCCESS (WAIT_USE) and died before it queued
    // the pay-success job, so Kafka will deliver the event again.
    await query(ns(), 'payment', "update third_payment set pay_status = 1, trade_state = 'SUCCESS', transaction_id = ?, pay_time = current_timestamp(3) where sn = ?", [`TX${payment.sn}`, payment.sn]);
    await transitionOrder(order.sn, 'WAIT_USE');
    // Meanwhile the guest cancels the stay: the payment is refunded (its REFUNDED event is handled).
    const refund = await gql(`mutation($sn: ID!) { requestRefund(orderSn: $sn) { state refundAmount } }`, { sn: order.sn }, { token: guest.token });
    expect(refund.data.requestRefund.state).toBe('REFUNDED');
    await waitFor('the payment refunded', async () => Number((await query(ns(), 'payment', 'select pay_status from third_payment where sn = ?', [payment.sn]))[0]!.pay_status) === 2);
    // Now the SUCCESS comes again; the payment reads REFUNDED.
    const success = { orderSn: order.sn, paymentSn: payment.sn, amount: order.total, paidAt: new Date().toISOString(), eventId: randomUUID(), payStatus: 'SUCCESS' };
    await deliver([success], order.sn);
    await handled([success.eventId]);
    const kinds = await waitFor('both messages', async () => {
      const n = (await gql(NOTIFICATIONS, {}, { token: guest.token })).data?.me?.notifications as { kind: string; body: string }[] | undefined;
      const mine = (n ?? []).filter((m) => m.body.includes(order.sn) || m.kind === 'check-in-code');
      return mine.length >= 2 ? mine.map((m) => m.kind).sort() : null;
    }, 20_000);
    expect(kinds).toEqual(['check-in-code', 'pay-success']);
    expect((await readOrder(guest.token, order.sn)).data.order.state).toBe('REFUNDED');
  });

  it('events of many orders at once (their payments read in one batch, one of them unknown): each order paid, the unknown one skipped', async () => {
    const guests = [await signUp(), await signUp()];
    const paid: { token: string; orderSn: string; paymentSn: string; amount: number }[] = [];
    for (let i = 0; i < 6; i++) {
      const { token } = guests[i % 2]!;
      const order = await book(token, homestayId, { fromToday: 40 + i * 3 });
      const payment = await payOrder(token, order.sn);
      await query(ns(), 'payment', "update third_payment set pay_status = 1, trade_state = 'SUCCESS', transaction_id = ?, pay_time = current_timestamp(3) where sn = ?", [`TX${payment.sn}`, payment.sn]);
      paid.push({ token, orderSn: order.sn, paymentSn: payment.sn, amount: order.total });
    }
    const events = paid.map((p) => ({ orderSn: p.orderSn, paymentSn: p.paymentSn, amount: p.amount, paidAt: new Date().toISOString(), eventId: randomUUID(), payStatus: 'SUCCESS' }));
    const unknown = { ...events[0]!, orderSn: `HSO${randomUUID().slice(0, 8)}`, paymentSn: `PMT${randomUUID().slice(0, 8)}`, eventId: randomUUID() };
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic: `${ns()}.payment-update-paystatus`, messages: [...events, unknown].map((e) => ({ key: e.orderSn, value: JSON.stringify(e) })) });
    } finally {
      await producer.disconnect();
    }
    await handled([...events, unknown].map((e) => e.eventId));
    for (const p of paid) expect((await readOrder(p.token, p.orderSn)).data.order.state).toBe('WAIT_USE');
    expect(await redis.get(`${ns()}:payment-event-done:${unknown.eventId}`)).toBe('refused-NOT_FOUND');
  });
});
