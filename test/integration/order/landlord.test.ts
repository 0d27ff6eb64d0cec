import { beforeAll, describe, expect, it } from 'vitest';
import { errorCode, gql, signUp, testNamespace } from '../../support/gql.js';
import { type Account, type Landlord, bookStay, landlordWith, paidStay } from './landlord-support.js';
import { ORDER, query } from './support.js';

/**
 * The landlord's view of orders (landlordOrders) and of earnings (Homestay.settlements,
 * HomestayBusiness.income), through the gateway, with who may read what.
 */
const LANDLORD_ORDERS = `query($first: Int, $after: String, $state: OrderState, $homestayId: ID) {
  landlordOrders(first: $first, after: $after, state: $state, homestayId: $homestayId) {
    edges { cursor node { sn state tradeCode homestay { id } user { id mobile } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;
const SETTLEMENTS = `query($id: ID!) { homestay(id: $id) { id settlements(first: 5) { edges { node { id amount } } pageInfo { hasNextPage } } } }`;
const INCOME = `query($id: ID!, $from: Date!, $to: Date!) { business(id: $id) { id income(from: $from, to: $to) { from to amount stays } } }`;

const sns = (r: any) => r.data.landlordOrders.edges.map((e: any) => e.node.sn);
const masked = (mobile: string) => `${mobile.slice(0, 3)}****${mobile.slice(-4)}`;

describe('landlordOrders', () => {
  let landlord: Landlord;
  let other: Landlord;
  let guest: Account;
  let o1: string, o2: string, o3: string, failed: string, elsewhere: string;

  beforeAll(async () => {
    [landlord, other, guest] = await Promise.all([landlordWith(2), landlordWith(1, 'Other landlord'), signUp('Guest')]);
    const [h1, h2] = landlord.homestayIds as [string, string];
    o1 = (await paidStay(guest.token, h1, 3)).sn;
    o2 = (await bookStay(guest.token, h2, 5)).sn;
    o3 = (await paidStay(guest.token, h1, 7)).sn;
    // A booking that failed in the saga is no order: no list shows it.
    failed = (await bookStay(guest.token, h1, 9)).sn;
    await query(testNamespace(), 'order', 'update homestay_order set trade_state = 11 where sn = ?', [failed]);
    elsewhere = (await paidStay(guest.token, other.homestayIds[0]!, 3)).sn;
  });

  it("lists the orders of the caller's homestays, newest first, paged like myOrders", async () => {
    const all = await gql(LANDLORD_ORDERS, {}, { token: landlord.account.token });
    expect(all.errors).toBeUndefined();
    expect(sns(all)).toEqual([o3, o2, o1]);
    expect(sns(all)).not.toContain(failed);
    expect(sns(all)).not.toContain(elsewhere);
    expect(all.data.landlordOrders.edges.map((e: any) => e.node.homestay.id)).toEqual([landlord.homestayIds[0], landlord.homestayIds[1], landlord.homestayIds[0]]);

    const first = await gql(LANDLORD_ORDERS, { first: 2 }, { token: landlord.account.token });
    expect(sns(first)).toEqual([o3, o2]);
    expect(first.data.landlordOrders.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const next = await gql(LANDLORD_ORDERS, { first: 2, after: first.data.landlordOrders.pageInfo.endCursor }, { token: landlord.account.token });
    expect(sns(next)).toEqual([o1]);
    expect(next.data.landlordOrders.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });

    expect(sns(await gql(LANDLORD_ORDERS, { state: 'WAIT_USE' }, { token: landlord.account.token }))).toEqual([o3, o1]);
    expect(sns(await gql(LANDLORD_ORDERS, { state: 'WAIT_PAY' }, { token: landlord.account.token }))).toEqual([o2]);
    expect(sns(await gql(LANDLORD_ORDERS, { homestayId: landlord.homestayIds[1] }, { token: landlord.account.token }))).toEqual([o2]);
    expect(sns(await gql(LANDLORD_ORDERS, { homestayId: landlord.homestayIds[0], state: 'WAIT_PAY' }, { token: landlord.account.token }))).toEqual([]);
    // Another landlord's homestay filters to nothing, not to that landlord's orders.
    expect(sns(await gql(LANDLORD_ORDERS, { homestayId: other.homestayIds[0] }, { token: landlord.account.token }))).toEqual([]);
    expect(sns(await gql(LANDLORD_ORDERS, {}, { token: other.account.token }))).toEqual([elsewhere]);
  });

  it('shows the guest with a masked mobile and without the check-in code', async () => {
    const r = await gql(LANDLORD_ORDERS, { state: 'WAIT_USE' }, { token: landlord.account.token });
    expect(r.errors).toBeUndefined();
    for (const { node } of r.data.landlordOrders.edges) {
      expect(node.user).toEqual({ id: guest.userId, mobile: masked(guest.mobile) });
      expect(node.user.mobile).toMatch(/^\d{3}\*{4}\d{4}$/);
      expect(node.tradeCode).toBeNull();
    }
    // The guest reads both in full.
    const own = await gql(`query($sn: ID!) { order(sn: $sn) { tradeCode user { mobile } } }`, { sn: o1 }, { token: guest.token });
    expect(own.data.order).toEqual({ tradeCode: expect.stringMatching(/^[A-Z2-9]{8}$/), user: { mobile: guest.mobile } });
  });

  it('is empty for a user without homestays, UNAUTHENTICATED anonymously, BAD_USER_INPUT for bad arguments', async () => {
    const none = await gql(LANDLORD_ORDERS, {}, { token: guest.token });
    expect(none.data.landlordOrders).toEqual({ edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null } });
    expect(errorCode(await gql(LANDLORD_ORDERS, {}))).toBe('UNAUTHENTICATED');
    const badHomestay = await gql(LANDLORD_ORDERS, { homestayId: 'abc' }, { token: landlord.account.token });
    expect(badHomestay.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'homestayId' });
    const badCursor = await gql(LANDLORD_ORDERS, { after: 'not-a-cursor' }, { token: landlord.account.token });
    expect(badCursor.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'after' });
    const badFirst = await gql(LANDLORD_ORDERS, { first: 0 }, { token: landlord.account.token });
    expect(badFirst.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'first' });
  });

  it('leaves order(sn) to its guest: the landlord reads NOT_FOUND', async () => {
    expect(errorCode(await gql(ORDER, { sn: o1 }, { token: landlord.account.token }))).toBe('NOT_FOUND');
    expect((await gql(ORDER, { sn: o1 }, { token: guest.token })).data.order.sn).toBe(o1);
  });
});

describe("a landlord's earnings are the landlord's only", () => {
  let landlord: Landlord;
  let other: Landlord;
  let guest: Account;

  beforeAll(async () => {
    [landlord, other, guest] = await Promise.all([landlordWith(1), landlordWith(1, 'Other landlord'), signUp('Guest')]);
  });

  it('Homestay.settlements: the landlord reads them; another landlord and a guest FORBIDDEN; anonymous UNAUTHENTICATED', async () => {
    const id = landlord.homestayIds[0]!;
    const own = await gql(SETTLEMENTS, { id }, { token: landlord.account.token });
    expect(own.errors).toBeUndefined();
    expect(own.data.homestay).toEqual({ id, settlements: { edges: [], pageInfo: { hasNextPage: false } } });
    for (const token of [other.account.token, guest.token]) {
      const r = await gql(SETTLEMENTS, { id }, { token });
      expect(errorCode(r)).toBe('FORBIDDEN');
      expect(r.data?.homestay ?? null).toBeNull();
    }
    expect(errorCode(await gql(SETTLEMENTS, { id }))).toBe('UNAUTHENTICATED');
  });

  it('HomestayBusiness.income: the landlord reads it; others FORBIDDEN; to before from is BAD_USER_INPUT', async () => {
    const id = landlord.businessId;
    const range = { from: '2026-01-01', to: '2026-12-31' };
    const own = await gql(INCOME, { id, ...range }, { token: landlord.account.token });
    expect(own.errors).toBeUndefined();
    expect(own.data.business).toEqual({ id, income: { ...range, amount: 0, stays: 0 } });
    for (const token of [other.account.token, guest.token]) expect(errorCode(await gql(INCOME, { id, ...range }, { token }))).toBe('FORBIDDEN');
    expect(errorCode(await gql(INCOME, { id, ...range }))).toBe('UNAUTHENTICATED');
    const backwards = await gql(INCOME, { id, from: '2026-02-01', to: '2026-01-31' }, { token: landlord.account.token });
    expect(backwards.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'to' });
    expect(errorCode(await gql(INCOME, { id, from: '2026-02-30', to: '2026-03-01' }, { token: landlord.account.token }))).toBe('BAD_USER_INPUT');
  });
});
