import { Kafka, logLevel } from 'kafkajs';
import { beforeAll, describe, expect, it } from 'vitest';
import { errorCode, gatewayUrl, gql, processUrl, signUp, testNamespace } from '../../support/gql.js';
import { book, callback, createHomestay, NOTIFICATIONS, payOrder, query, readOrder, waitFor } from './support.js';

/** Payments through the shared stack's gateway: payOrder, the signed callback, the outbox, the consumer. */
let homestayId: string;
const ns = () => testNamespace();
const paymentRow = async (sn: string) => (await query(ns(), 'payment', 'select * from third_payment where sn = ?', [sn]))[0]!;
const outboxCount = async (orderSn: string) => Number((await query(ns(), 'payment', 'select count(*) n from payment_outbox where message_key = ?', [orderSn]))[0]!.n);
const orderRow = async (sn: string) => (await query(ns(), 'order', 'select * from homestay_order where sn = ?', [sn]))[0]!;
const waitState = (token: string, sn: string, state: string, timeoutMs = 20_000) =>
  waitFor(`order ${sn} to be ${state}`, async () => {
    const o = (await readOrder(token, sn)).data?.order;
    return o?.state === state ? o : null;
  }, timeoutMs);

beforeAll(async () => {
  homestayId = await createHomestay(ns());
});

describe('payOrder', () => {
  it('book → payOrder → signed callback → WAIT_USE within seconds, with paidAt, trade code and both messages', async () => {
    const guest = await signUp('Payer');
    const order = await book(guest.token, homestayId);
    const payment = await payOrder(guest.token, order.sn);
    expect(payment).toMatchObject({ orderSn: order.sn, amount: order.total, status: 'WAITING' });
    expect(payment.sn).toMatch(/^PMT\d{14}\d{8}$/);
    // A second call returns the same waiting payment.
    expect((await payOrder(guest.token, order.sn)).sn).toBe(payment.sn);
    const row = await paymentRow(payment.sn);
    expect(row).toMatchObject({ order_sn: order.sn, user_id: guest.userId, pay_mode: 'SANDBOX', pay_total: order.total, pay_status: 0, service_type: 'homestayOrder' });

    const started = Date.now();
    const reply = await callback(gatewayUrl(), { paymentSn: payment.sn, amount: order.total });
    expect(reply).toEqual({ status: 200, text: 'SUCCESS' });
    const paid = await waitState(guest.token, order.sn, 'WAIT_USE', 10_000);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(paid.tradeCode).toMatch(/^[A-Za-z0-9]{8}$/);
    expect(Date.parse(paid.paidAt)).toBeGreaterThan(started - 60_000);
    expect(paid.payments).toEqual([{ sn: payment.sn, status: 'SUCCESS', amount: order.total }]);
    expect(await paymentRow(payment.sn)).toMatchObject({ pay_status: 1, transaction_id: `TX${payment.sn}`, trade_state: 'SUCCESS' });
    expect((await paymentRow(payment.sn)).pay_time).not.toBeNull();

    const notes = await waitFor('both messages', async () => {
      const n = (await gql(NOTIFICATIONS, {}, { token: guest.token })).data?.me?.notifications;
      return n?.length === 2 ? n : null;
    });
    expect(notes.map((n: any) => n.kind).sort()).toEqual(['check-in-code', 'pay-success']);
    const code = notes.find((n: any) => n.kind === 'check-in-code');
    expect(code.body).toContain(paid.tradeCode);
    expect(notes.find((n: any) => n.kind === 'pay-success').body).toContain(order.sn);
    // the outbox row is marked sent once Kafka acknowledged it
    const [ob] = await query(ns(), 'payment', 'select * from payment_outbox where message_key = ?', [order.sn]);
    expect(ob!.sent_at).not.toBeNull();
    expect(JSON.parse(ob!.payload)).toMatchObject({ orderSn: order.sn, paymentSn: payment.sn, payStatus: 'SUCCESS', amount: order.total });
  });

  it('refuses a foreign order (NOT_FOUND), a paid and a cancelled one (CONFLICT), and anonymous callers', async () => {
    const owner = await signUp();
    const other = await signUp();
    const order = await book(owner.token, homestayId);
    expect(errorCode(await gql(`mutation($sn: ID!) { payOrder(orderSn: $sn) { sn } }`, { sn: order.sn }, { token: other.token }))).toBe('NOT_FOUND');
    expect(errorCode(await gql(`mutation($sn: ID!) { payOrder(orderSn: $sn) { sn } }`, { sn: 'HSO00000000000000nothing' }, { token: owner.token }))).toBe('NOT_FOUND');
    expect(errorCode(await gql(`mutation($sn: ID!) { payOrder(orderSn: $sn) { sn } }`, { sn: order.sn }))).toBe('UNAUTHENTICATED');
    const payment = await payOrder(owner.token, order.sn);
    await callback(gatewayUrl(), { paymentSn: payment.sn, amount: order.total });
    await waitState(owner.token, order.sn, 'WAIT_USE');
    expect(errorCode(await gql(`mutation($sn: ID!) { payOrder(orderSn: $sn) { sn } }`, { sn: order.sn }, { token: owner.token }))).toBe('CONFLICT');

    const cancelled = await book(owner.token, homestayId);
    const c = await gql(`mutation($sn: ID!) { cancelOrder(sn: $sn) { state } }`, { sn: cancelled.sn }, { token: owner.token });
    expect(c.data.cancelOrder.state).toBe('CANCELLED');
    expect(errorCode(await gql(`mutation($sn: ID!) { payOrder(orderSn: $sn) { sn } }`, { sn: cancelled.sn }, { token: owner.token }))).toBe('CONFLICT');
    expect(Number((await query(ns(), 'payment', 'select count(*) n from third_payment where order_sn = ?', [cancelled.sn]))[0]!.n)).toBe(0);
  });
});

describe('sandbox callback', () => {
  it('answers bad or missing signature 401, amount mismatch 400, unknown payment 404, a malformed body 400, and changes nothing', async () => {
    const guest = await signUp();
    const order = await book(guest.token, homestayId);
    const payment = await payOrder(guest.token, order.sn);
    const cases: [string, Promise<{ status: number; text: string }>, number][] = [
      ['missing signature', callback(gatewayUrl(), { paymentSn: payment.sn, amount: order.total }, { signature: null }), 401],
      ['wrong key', callback(gatewayUrl(), { paymentSn: payment.sn, amount: order.total }, { secret: 'not-the-secret' }), 401],
      ['garbage signature', callback(gatewayUrl(), { paymentSn: payment.sn, amount: order.total }, { signature: 'sha256=abc' }), 401],
      ['amount mismatch', callback(gatewayUrl(), { paymentSn: payment.sn, amount: order.total - 1 }), 400],
      ['unknown payment', callback(gatewayUrl(), { paymentSn: 'PMT0000000000000000000000', amount: order.total }), 404],
    ];
    for (const [name, reply, status] of cases) expect(await reply, name).toEqual({ status, text: 'FAIL' });
    const { signSandboxBody } = await import('../../../subgraphs/payment/provider/sandbox.js');
    const junk = '{"paymentSn": 12}';
    const malformed = await fetch(`${gatewayUrl()}/payments/notify/sandbox`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-sandbox-signature': signSandboxBody(junk, process.env.PAYMENT_SANDBOX_SECRET ?? 'looklook-dev-sandbox-secret') },
      body: junk,
    });
    expect([malformed.status, await malformed.text()]).toEqual([400, 'FAIL']);
    // A body over the limit is refused the same plain way, at the gateway and at the payment service.
    for (const base of [gatewayUrl(), processUrl('payment')]) {
      const huge = await fetch(`${base}/payments/notify/sandbox`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(100 * 1024) });
      expect([huge.status, await huge.text()], base).toEqual([413, 'FAIL']);
    }
    // A body changed after signing is refused too (the signature covers the raw bytes).
    const body = JSON.stringify({ paymentSn: payment.sn, transactionId: 't', amount: order.total, status: 'SUCCESS' });
    const tampered = await fetch(`${gatewayUrl()}/payments/notify/sandbox`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-sandbox-signature': signSandboxBody(body, 'looklook-dev-sandbox-secret') },
      body: body.replace('SUCCESS', 'SUCCESS '),
    });
    expect(tampered.status).toBe(401);

    expect(await paymentRow(payment.sn)).toMatchObject({ pay_status: 0, transaction_id: '', pay_time: null });
    expect(await outboxCount(order.sn)).toBe(0);
    await new Promise((r) => setTimeout(r, 500));
    expect((await readOrder(guest.token, order.sn)).data.order.state).toBe('WAIT_PAY');
  });

  it('the same callback twice (and at once): one transition, one set of messages', async () => {
    const guest = await signUp();
    const order = await book(guest.token, homestayId);
    const payment = await payOrder(guest.token, order.sn);
    const versionBefore = Number((await orderRow(order.sn)).version);
    const replies = await Promise.all([1, 2, 3].map(() => callback(gatewayUrl(), { paymentSn: payment.sn, amount: order.total })));
    expect(replies.every((r) => r.status === 200 && r.text === 'SUCCESS')).toBe(true);
    await waitState(guest.token, order.sn, 'WAIT_USE');
    const first = await orderRow(order.sn);
    expect(await callback(gatewayUrl(), { paymentSn: payment.sn, amount: order.total })).toEqual({ status: 200, text: 'SUCCESS' });
    await waitFor('two messages', async () => (await gql(NOTIFICATIONS, {}, { token: guest.token })).data?.me?.notifications?.length === 2);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await outboxCount(order.sn)).toBe(1);
    const after = await orderRow(order.sn);
    expect(Number(after.version)).toBe(versionBefore + 1);
    expect(after.paid_at).toBe(first.paid_at);
    expect(after.trade_code).toBe(first.trade_code);
    expect((await gql(NOTIFICATIONS, {}, { token: guest.token })).data.me.notifications).toHaveLength(2);
  });

  it('a payment after the order closed is refunded and the order stays CANCELLED', async () => {
    const guest = await signUp();
    const order = await book(guest.token, homestayId);
    const payment = await payOrder(guest.token, order.sn);
    await gql(`mutation($sn: ID!) { cancelOrder(sn: $sn) { state } }`, { sn: order.sn }, { token: guest.token });
    expect(await callback(gatewayUrl(), { paymentSn: payment.sn, amount: order.total })).toEqual({ status: 200, text: 'SUCCESS' });
    await waitFor('the refund', async () => (await paymentRow(payment.sn)).pay_status === 2, 20_000);
    await new Promise((r) => setTimeout(r, 1000));
    const o = (await readOrder(guest.token, order.sn)).data.order;
    expect(o.state).toBe('CANCELLED');
    expect(o.payments).toEqual([{ sn: payment.sn, status: 'REFUNDED', amount: order.total }]);
    expect((await gql(NOTIFICATIONS, {}, { token: guest.token })).data.me.notifications).toHaveLength(0);
  });

  it('a REFUND callback moves WAIT_USE → REFUNDED and releases the nights', async () => {
    const guest = await signUp();
    const order = await book(guest.token, homestayId);
    const payment = await payOrder(guest.token, order.sn);
    await callback(gatewayUrl(), { paymentSn: payment.sn, amount: order.total });
    await waitState(guest.token, order.sn, 'WAIT_USE');
    const held = async () => Number((await query(ns(), 'homestay', 'select count(*) n from homestay_reservation where sn = ? and state = 0', [order.sn]))[0]!.n);
    expect(await held()).toBe(2);
    expect(await callback(gatewayUrl(), { paymentSn: payment.sn, amount: order.total, status: 'REFUND' })).toEqual({ status: 200, text: 'SUCCESS' });
    await waitState(guest.token, order.sn, 'REFUNDED');
    await waitFor('nights released', async () => (await held()) === 0);
  });

  it('sandboxPay pays from the playground through the same signed callback', async () => {
    const guest = await signUp();
    const other = await signUp();
    const order = await book(guest.token, homestayId);
    const payment = await payOrder(guest.token, order.sn);
    const SANDBOX = `mutation($sn: ID!) { sandboxPay(paymentSn: $sn) { sn status } }`;
    expect(errorCode(await gql(SANDBOX, { sn: payment.sn }, { token: other.token }))).toBe('NOT_FOUND');
    const r = await gql(SANDBOX, { sn: payment.sn }, { token: guest.token });
    expect(r.data.sandboxPay).toEqual({ sn: payment.sn, status: 'SUCCESS' });
    await waitState(guest.token, order.sn, 'WAIT_USE');
  });
});

describe('payment-status consumer', () => {
  it('logs and skips a malformed event without blocking its partition', async () => {
    const guest = await signUp();
    const order = await book(guest.token, homestayId);
    const payment = await payOrder(guest.token, order.sn);
    const kafka = new Kafka({ clientId: 'payment-test', brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    try {
      // Same key as the real event that follows: the same partition, before it.
      await producer.send({
        topic: `${ns()}.payment-update-paystatus`,
        messages: [
          { key: order.sn, value: 'not json' },
          { key: order.sn, value: JSON.stringify({ eventId: 'x', orderSn: order.sn, payStatus: 'PAID' }) },
          { key: order.sn, value: null },
        ],
      });
    } finally {
      await producer.disconnect();
    }
    await callback(gatewayUrl(), { paymentSn: payment.sn, amount: order.total });
    await waitState(guest.token, order.sn, 'WAIT_USE');
  });
});
