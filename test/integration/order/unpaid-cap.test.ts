import { describe, expect, it } from 'vitest';
import { errorCode, gatewayUrl, gql, signUp, testNamespace } from '../../support/gql.js';
import { callback, payOrder, waitFor as waitUntil } from '../payment/support.js';
import { CANCEL, CREATE, ORDER, createHomestay, heldNights, query, stay } from './support.js';

/**
 * No hoarding (issue 16): at most ORDER_MAX_UNPAID_PER_USER (default 3, what the shared stack runs
 * with) WAIT_PAY orders per user at once, so one user cannot hold every room of a homestay for the
 * whole pay window by booking and never paying.
 */
const ns = () => testNamespace();
const LIMIT = 3;
const create = (token: string, input: Record<string, unknown>) => gql(CREATE, { input }, { token });
const unpaidCount = async (userId: string) =>
  Number((await query(ns(), 'order', 'select count(*) as n from homestay_order where user_id = ? and trade_state = 0', [userId]))[0]!.n);
const orderCount = async (userId: string) =>
  Number((await query(ns(), 'order', 'select count(*) as n from homestay_order where user_id = ?', [userId]))[0]!.n);

/** Books LIMIT unpaid orders for a fresh user, each on a night of its own. */
async function userAtTheCap(homestayId: string) {
  const user = await signUp('Hoarder');
  const sns: string[] = [];
  for (let i = 0; i < LIMIT; i++) {
    const r = await create(user.token, { homestayId, ...stay(1 + i, 1), guests: 1 });
    expect(r.errors).toBeUndefined();
    sns.push(r.data.createHomestayOrder.sn);
  }
  return { ...user, sns };
}

describe('unpaid orders per user', () => {
  it(`refuses a ${LIMIT + 1}th unpaid order with CONFLICT naming the limit, before reserving anything`, async () => {
    const homestayId = await createHomestay(ns(), { roomCount: 5 });
    const user = await userAtTheCap(homestayId);
    const target = await createHomestay(ns(), { roomCount: 1 });
    const r = await create(user.token, { homestayId: target, ...stay(10, 2), guests: 1 });
    expect(r.status).toBe(200);
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', limit: LIMIT });
    expect(r.errors![0]!.message).toContain(String(LIMIT));
    expect(r.data?.createHomestayOrder ?? null).toBeNull();
    // Nothing reserved, nothing stored: the one room is free for anyone else.
    expect(await heldNights(ns(), { homestayId: target })).toBe(0);
    expect(await orderCount(user.userId)).toBe(LIMIT);
    const other = await signUp();
    expect((await create(other.token, { homestayId: target, ...stay(10, 2), guests: 1 })).errors).toBeUndefined();
  });

  it('still answers an idempotencyKey replay of an existing order at the cap', async () => {
    const homestayId = await createHomestay(ns(), { roomCount: 5 });
    const user = await signUp('Replayer');
    const input = { homestayId, ...stay(20, 1), guests: 1, idempotencyKey: 'cap-replay' };
    const first = await create(user.token, input);
    expect(first.errors).toBeUndefined();
    for (let i = 0; i < LIMIT - 1; i++) expect((await create(user.token, { homestayId, ...stay(1 + i, 1), guests: 1 })).errors).toBeUndefined();
    const replay = await create(user.token, input);
    expect(replay.errors).toBeUndefined();
    expect(replay.data.createHomestayOrder.sn).toBe(first.data.createHomestayOrder.sn);
    // A new key is a new order: refused.
    expect(errorCode(await create(user.token, { ...input, idempotencyKey: 'cap-new' }))).toBe('CONFLICT');
    expect(await orderCount(user.userId)).toBe(LIMIT);
  });

  it('cancelOrder frees a slot', async () => {
    const homestayId = await createHomestay(ns(), { roomCount: 5 });
    const user = await userAtTheCap(homestayId);
    expect(errorCode(await create(user.token, { homestayId, ...stay(8, 1), guests: 1 }))).toBe('CONFLICT');
    const c = await gql(CANCEL, { sn: user.sns[0] }, { token: user.token });
    expect(c.data.cancelOrder.state).toBe('CANCELLED');
    const r = await create(user.token, { homestayId, ...stay(8, 1), guests: 1 });
    expect(r.errors).toBeUndefined();
    expect(await unpaidCount(user.userId)).toBe(LIMIT);
  });

  it('paying frees a slot', async () => {
    const homestayId = await createHomestay(ns(), { roomCount: 5 });
    const user = await userAtTheCap(homestayId);
    const sn = user.sns[1]!;
    const payment = await payOrder(user.token, sn);
    // A payment that is only WAITING does not free the slot: the order is still unpaid.
    expect(errorCode(await create(user.token, { homestayId, ...stay(8, 1), guests: 1 }))).toBe('CONFLICT');
    expect(await callback(gatewayUrl(), { paymentSn: payment.sn, amount: payment.amount })).toEqual({ status: 200, text: 'SUCCESS' });
    await waitUntil(`order ${sn} WAIT_USE`, async () => (await gql(ORDER, { sn }, { token: user.token })).data?.order?.state === 'WAIT_USE');
    const r = await create(user.token, { homestayId, ...stay(8, 1), guests: 1 });
    expect(r.errors).toBeUndefined();
    expect(await unpaidCount(user.userId)).toBe(LIMIT);
  });

  it(`lets exactly ${LIMIT} of 10 concurrent bookings by one user through`, async () => {
    const homestayId = await createHomestay(ns(), { roomCount: 20 });
    const user = await signUp('Racer');
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => create(user.token, { homestayId, ...stay(1 + i, 1), guests: 1 })),
    );
    expect(results.filter((r) => r.data?.createHomestayOrder)).toHaveLength(LIMIT);
    const refused = results.filter((r) => !r.data?.createHomestayOrder);
    expect(refused.map(errorCode)).toEqual(Array(10 - LIMIT).fill('CONFLICT'));
    expect(await unpaidCount(user.userId)).toBe(LIMIT);
    expect(await orderCount(user.userId)).toBe(LIMIT);
    // One held night per order that exists, none for the refused ones.
    expect(await heldNights(ns(), { homestayId })).toBe(LIMIT);
  });
});
