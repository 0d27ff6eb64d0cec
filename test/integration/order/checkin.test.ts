import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, gatewayUrl, gql, signUp } from '../../support/gql.js';
import { connect, subscribe, type WsConnection } from '../../support/ws.js';
import { type Account, type Landlord, bookStay, landlordWith, orderInternal, orderRow, paidStay } from './landlord-support.js';
import { CANCEL, ORDER, query } from './support.js';
import { pay } from '../../support/stays.js';
import { testNamespace } from '../../support/gql.js';

/** checkIn through the gateway: who may, when, with which code, and the lockout after wrong codes. */
const CHECK_IN = `mutation($sn: ID!, $code: String!) { checkIn(orderSn: $sn, code: $code) { sn state checkIn tradeCode } }`;
const LIVE = `subscription($sn: ID) { orderStateChanged(sn: $sn) { from to order { sn state } } }`;

const checkIn = (token: string | undefined, sn: string, code: string) => gql(CHECK_IN, { sn, code }, { token });
const stateOf = async (sn: string) => Number((await orderRow(sn)).trade_state);

let landlord: Landlord;
let other: Landlord;
let guest: Account;
let homestayId: string;
const conns: WsConnection[] = [];

beforeAll(async () => {
  [landlord, other, guest] = await Promise.all([landlordWith(1), landlordWith(1, 'Other landlord'), signUp('Guest')]);
  homestayId = landlord.homestayIds[0]!;
});
afterAll(async () => {
  await Promise.all(conns.map((c) => c.dispose().catch(() => undefined)));
});

describe('checkIn', () => {
  it('the landlord checks the guest in with the code (any case, spaces around): USED, subscribers see it; again returns it', async () => {
    const order = await paidStay(guest.token, homestayId, 0, 2);
    const conn = connect(gatewayUrl().replace(/^http/, 'ws') + '/graphql', guest.token);
    conns.push(conn);
    const live = subscribe(conn, LIVE, { sn: order.sn });
    await live.waitFor(1); // the current state: the listener is in place

    const r = await checkIn(landlord.account.token, order.sn, `  ${order.tradeCode.toLowerCase()} `);
    expect(r.errors).toBeUndefined();
    // The landlord does not read the code back.
    expect(r.data.checkIn).toEqual({ sn: order.sn, state: 'USED', checkIn: order.checkIn, tradeCode: null });
    const [, change] = await live.waitFor(2);
    expect(change!.data).toEqual({ orderStateChanged: { from: 'WAIT_USE', to: 'USED', order: { sn: order.sn, state: 'USED' } } });
    expect((await gql(ORDER, { sn: order.sn }, { token: guest.token })).data.order.state).toBe('USED');

    const again = await checkIn(landlord.account.token, order.sn, order.tradeCode);
    expect(again.errors).toBeUndefined();
    expect(again.data.checkIn.state).toBe('USED');
    await new Promise((r) => setTimeout(r, 300));
    expect(live.results).toHaveLength(2);
  });

  it('only the landlord of the order: another landlord and the guest FORBIDDEN, anonymous UNAUTHENTICATED, unknown sn NOT_FOUND', async () => {
    const order = await paidStay(guest.token, homestayId, 0, 1);
    const forOther = await checkIn(other.account.token, order.sn, order.tradeCode);
    expect(errorCode(forOther)).toBe('FORBIDDEN');
    expect(errorCode(await checkIn(guest.token, order.sn, order.tradeCode))).toBe('FORBIDDEN');
    expect(errorCode(await checkIn(undefined, order.sn, order.tradeCode))).toBe('UNAUTHENTICATED');
    expect(errorCode(await checkIn(landlord.account.token, 'HSO20260101000000unknown', order.tradeCode))).toBe('NOT_FOUND');
    expect(await stateOf(order.sn)).toBe(1);
  });

  it('CONFLICT before the check-in day (naming it) and for an order unpaid, cancelled or refunded', async () => {
    const early = await paidStay(guest.token, homestayId, 3, 1);
    const r = await checkIn(landlord.account.token, early.sn, early.tradeCode);
    expect(errorCode(r)).toBe('CONFLICT');
    expect(r.errors![0]!.message).toContain(early.checkIn);
    expect(await stateOf(early.sn)).toBe(1);

    const unpaid = await bookStay(guest.token, homestayId, 0, 1);
    expect(errorCode(await checkIn(landlord.account.token, unpaid.sn, 'ABCDEFGH'))).toBe('CONFLICT');
    expect((await gql(CANCEL, { sn: unpaid.sn }, { token: guest.token })).data.cancelOrder.state).toBe('CANCELLED');
    expect(errorCode(await checkIn(landlord.account.token, unpaid.sn, 'ABCDEFGH'))).toBe('CONFLICT');

    const refunded = await paidStay(guest.token, homestayId, 0, 1);
    expect((await orderInternal('/orders/transition', { sn: refunded.sn, to: 'REFUNDED' })).status).toBe(200);
    expect(errorCode(await checkIn(landlord.account.token, refunded.sn, refunded.tradeCode))).toBe('CONFLICT');
    expect(await stateOf(refunded.sn)).toBe(3);
  });

  it('a wrong code is BAD_USER_INPUT; the fifth locks the order for 15 minutes, the right code included (RATE_LIMITED)', async () => {
    const order = await paidStay(guest.token, homestayId, 0, 1);
    const wrong = order.tradeCode === 'AAAAAAAA' ? 'BBBBBBBB' : 'AAAAAAAA';
    for (let i = 0; i < 5; i++) {
      const r = await checkIn(landlord.account.token, order.sn, wrong);
      expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'code' });
    }
    expect(await stateOf(order.sn)).toBe(1);
    const locked = await checkIn(landlord.account.token, order.sn, order.tradeCode);
    expect(errorCode(locked)).toBe('RATE_LIMITED');
    const retryAfter = locked.errors![0]!.extensions!.retryAfter as number;
    expect(retryAfter).toBeGreaterThan(14 * 60);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect(await stateOf(order.sn)).toBe(1);
    expect(errorCode(await checkIn(landlord.account.token, order.sn, wrong))).toBe('RATE_LIMITED');

    // Per order: the landlord's other guests check in as usual.
    const next = await paidStay(guest.token, homestayId, 0, 1);
    expect(errorCode(await checkIn(landlord.account.token, next.sn, wrong))).toBe('BAD_USER_INPUT');
    expect((await checkIn(landlord.account.token, next.sn, next.tradeCode)).data.checkIn.state).toBe('USED');
  });

  it('parallel guesses get at most five tries', async () => {
    const order = await paidStay(guest.token, homestayId, 0, 1);
    const guesses = Array.from({ length: 12 }, (_, i) => `WRONG${String(i).padStart(3, '0')}`);
    const replies = await Promise.all(guesses.map((code) => checkIn(landlord.account.token, order.sn, code)));
    const codes = replies.map(errorCode);
    expect(codes.filter((c) => c === 'BAD_USER_INPUT')).toHaveLength(5);
    expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(7);
    expect(errorCode(await checkIn(landlord.account.token, order.sn, order.tradeCode))).toBe('RATE_LIMITED');
  });

  it('an empty code is BAD_USER_INPUT and costs no try', async () => {
    const order = await paidStay(guest.token, homestayId, 0, 1);
    for (let i = 0; i < 6; i++) {
      expect((await checkIn(landlord.account.token, order.sn, '   ')).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'code' });
    }
    expect((await checkIn(landlord.account.token, order.sn, order.tradeCode)).data.checkIn.state).toBe('USED');
  });

  it('a refund racing the check-in: one wins, the other is CONFLICT and changes nothing (paid for real, several rounds)', async () => {
    const REFUND = `mutation($sn: ID!) { requestRefund(orderSn: $sn) { sn state refundAmount } }`;
    const wins = { refund: 0, checkIn: 0 };
    for (let round = 0; round < 6; round++) {
      const booked = await bookStay(guest.token, homestayId, 0, 1);
      await pay(guest.token, booked.sn);
      const { tradeCode } = (await gql(`query($sn: ID!) { order(sn: $sn) { tradeCode } }`, { sn: booked.sn }, { token: guest.token })).data.order;
      const [refund, inside] = await Promise.all([gql(REFUND, { sn: booked.sn }, { token: guest.token }), checkIn(landlord.account.token, booked.sn, tradeCode)]);
      const row = await orderRow(booked.sn);
      const payments = await query(testNamespace(), 'payment', 'select pay_status, refund_amount from third_payment where order_sn = ?', [booked.sn]);
      if (!refund.errors) {
        wins.refund += 1;
        expect(errorCode(inside)).toBe('CONFLICT');
        // On the check-in day every policy gives nothing back: the stay is cancelled, the money kept.
        expect(refund.data.requestRefund).toEqual({ sn: booked.sn, state: 'REFUNDED', refundAmount: 0 });
        expect(Number(row.trade_state)).toBe(3);
        expect(Number(row.refund_amount)).toBe(0);
      } else {
        wins.checkIn += 1;
        expect(errorCode(refund)).toBe('CONFLICT');
        expect(inside.data.checkIn.state).toBe('USED');
        expect(Number(row.trade_state)).toBe(2);
        expect(row.refund_amount).toBeNull();
      }
      // Either way the one payment still holds the money (a zero refund asks the provider for nothing).
      expect(payments.map((p) => Number(p.pay_status))).toEqual([1]);
      // One change out of WAIT_USE, never two.
      const changes = await query(testNamespace(), 'order', 'select payload from order_state_change where sn = ?', [booked.sn]);
      expect(changes.map((c) => JSON.parse(c.payload)).filter((e) => e.from === 'WAIT_USE')).toHaveLength(1);
    }
    console.log(`refund vs check-in: ${JSON.stringify(wins)}`);
  });
});
