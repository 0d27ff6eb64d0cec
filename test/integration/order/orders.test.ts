import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { Queue } from 'bullmq';
import { CONTEXT_HEADER, signContext } from '../../../lib/internal-auth.js';
import { errorCode, gql, internalSecret, processUrl, signUp } from '../../support/gql.js';
import { CANCEL, CREATE, ORDER, ORDER_FIELDS, createHomestay, heldNights, orderRows, query, stay, waitFor } from './support.js';

const ns = inject('namespace');
process.env.NAMESPACE = ns;
const { createRedis, redisKey } = await import('../../../lib/redis.js');
const { ORDER_STATE_CHANNEL, parseOrderStateEvent } = await import('../../../contracts/order.js');
const { QUEUES } = await import('../../../contracts/queues.js');

async function internal(path: string, body: unknown) {
  const res = await fetch(`${processUrl('order')}/internal${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [CONTEXT_HEADER]: signContext({ service: 'payment' }, internalSecret()) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

const create = (token: string, input: Record<string, unknown>) => gql(CREATE, { input }, { token });

describe('order subgraph through the gateway', () => {
  let guest: Awaited<ReturnType<typeof signUp>>;
  const events: any[] = [];
  const sub = createRedis();
  const queue = new Queue(QUEUES.closeOrder, { prefix: ns, connection: createRedis() });

  beforeAll(async () => {
    guest = await signUp('Guest');
    await sub.subscribe(ORDER_STATE_CHANNEL());
    sub.on('message', (_c, m) => events.push(parseOrderStateEvent(m)));
    expect(ORDER_STATE_CHANNEL()).toBe(redisKey('order-state-changed'));
  });
  afterAll(async () => {
    sub.disconnect();
    await queue.close();
  });

  it('books a per-room stay with a snapshot and prices in cents, schedules close-order, publishes the creation', async () => {
    const homestayId = await createHomestay(ns, { price: 25000, foodPrice: 3000, peopleNum: 4, roomCount: 2 });
    const dates = stay(3, 2);
    const before = Date.now();
    const r = await create(guest.token, { homestayId, ...dates, guests: 3, needFood: true, remark: 'late arrival' });
    expect(r.errors).toBeUndefined();
    const o = r.data.createHomestayOrder;
    expect(o.sn).toMatch(/^HSO\d{14}\d{8}$/);
    expect(o).toMatchObject({
      state: 'WAIT_PAY', ...dates, nights: 2, guests: 3, needFood: true,
      homestayTotal: 50000, foodTotal: 18000, total: 68000, price: 25000, foodPrice: 3000,
      title: 'Seaside room', remark: 'late arrival', paidAt: null, tradeCode: null, closedAt: null,
      user: { id: guest.userId }, homestay: { id: homestayId },
    });
    // Default ORDER_PAY_TIMEOUT: 30 minutes.
    expect(Date.parse(o.payDeadline) - before).toBeGreaterThan(29 * 60_000);
    expect(Date.parse(o.payDeadline) - Date.now()).toBeLessThan(30 * 60_000 + 1000);
    expect(await heldNights(ns, { sn: o.sn })).toBe(2);
    const job = await queue.getJob(o.sn);
    expect(job?.data).toMatchObject({ sn: o.sn });
    expect(await job!.isDelayed()).toBe(true);
    const [row] = await orderRows(ns, { sn: o.sn });
    expect(row).toMatchObject({ trade_state: 0, sub_title: 'sub', cover: 'https://img.example/cover.jpg', food_info: 'breakfast', market_homestay_price: 30000 });
    // What the booking answered is the order as stored: a read of it answers the same, to the second.
    const read = await gql(`query($sn: ID!) { order(sn: $sn) { ${ORDER_FIELDS} } }`, { sn: o.sn }, { token: guest.token });
    expect(read.data.order).toEqual(o);
    await waitFor(async () => events.filter((e) => e.sn === o.sn), (l) => l.length === 1, 5000, 50);
    expect(events.filter((e) => e.sn === o.sn)).toEqual([{ id: expect.any(String), sn: o.sn, userId: guest.userId, from: null, to: 'WAIT_PAY', at: expect.any(String) }]);
  });

  it('prices a per-person homestay by guests and nights, without food by default', async () => {
    const homestayId = await createHomestay(ns, { perPerson: true, price: 8000, foodPrice: 2000, peopleNum: 5 });
    const r = await create(guest.token, { homestayId, ...stay(0, 3), guests: 2 });
    expect(r.errors).toBeUndefined();
    expect(r.data.createHomestayOrder).toMatchObject({ nights: 3, homestayTotal: 48000, foodTotal: 0, total: 48000, needFood: false });
  });

  it('answers SOLD_OUT when one night is full and reserves none of the nights', async () => {
    const homestayId = await createHomestay(ns, { roomCount: 1 });
    const other = await signUp();
    const first = await create(other.token, { homestayId, ...stay(5, 1), guests: 1 });
    expect(first.errors).toBeUndefined();
    // Overlaps the booked night (day 5) with two free ones around it.
    const r = await create(guest.token, { homestayId, ...stay(4, 3), guests: 1 });
    expect(errorCode(r)).toBe('SOLD_OUT');
    expect(await heldNights(ns, { homestayId })).toBe(1);
    const mine = await orderRows(ns, { userId: guest.userId });
    expect(mine.filter((o) => String(o.homestay_id) === homestayId)).toHaveLength(0);
  });

  it('sells the last room exactly once to 50 concurrent bookings of the same nights', async () => {
    const homestayId = await createHomestay(ns, { roomCount: 1 });
    const users = await Promise.all(Array.from({ length: 50 }, (_, i) => signUp(`Racer${i}`)));
    const dates = stay(10, 2);
    const results = await Promise.all(users.map((u) => create(u.token, { homestayId, ...dates, guests: 1 })));
    const ok = results.filter((r) => r.data?.createHomestayOrder);
    expect(ok).toHaveLength(1);
    expect(results.filter((r) => errorCode(r) === 'SOLD_OUT')).toHaveLength(49);
    expect(await heldNights(ns, { homestayId })).toBe(2);
    const [n] = await query(ns, 'order', 'select count(*) as n from homestay_order where homestay_id = ?', [homestayId]);
    expect(Number(n!.n)).toBe(1);
  });

  it('replays an idempotencyKey: the first order again, nothing more reserved, also when racing', async () => {
    const homestayId = await createHomestay(ns, { roomCount: 5 });
    const input = { homestayId, ...stay(2, 2), guests: 2, idempotencyKey: 'key-1' };
    // A user of its own: the shared guest holds unpaid orders of other tests (ORDER_MAX_UNPAID_PER_USER).
    const me = await signUp('Replayer');
    const a = await create(me.token, input);
    const b = await create(me.token, input);
    expect(b.data.createHomestayOrder.sn).toBe(a.data.createHomestayOrder.sn);
    const raced = await Promise.all(Array.from({ length: 8 }, () => create(me.token, { ...input, idempotencyKey: 'key-2' })));
    expect(new Set(raced.map((r) => r.data?.createHomestayOrder?.sn)).size).toBe(1);
    // Another user may use the same key for an order of their own.
    const other = await signUp();
    const c = await create(other.token, input);
    expect(c.data.createHomestayOrder.sn).not.toBe(a.data.createHomestayOrder.sn);
    const rows = await query(ns, 'order', 'select sn from homestay_order where homestay_id = ?', [homestayId]);
    expect(rows).toHaveLength(3);
    await waitFor(() => heldNights(ns, { homestayId }), (n) => n === 6, 5000);
    expect(await heldNights(ns, { homestayId })).toBe(6);
  });

  it('refuses an idempotencyKey reused with different input: CONFLICT naming the key, nothing booked', async () => {
    const me = await signUp();
    const homestayId = await createHomestay(ns, { roomCount: 5 });
    const input = { homestayId, ...stay(3, 1), guests: 1, idempotencyKey: 'key-reused' };
    const first = (await create(me.token, input)).data.createHomestayOrder;
    const other = await createHomestay(ns, { roomCount: 5 });
    const changes: Record<string, unknown>[] = [
      { guests: 2 },
      { ...stay(3, 2) },
      { ...stay(4, 1) },
      { homestayId: other },
      { needFood: true },
      { remark: 'a different stay' },
    ];
    for (const change of changes) {
      const r = await create(me.token, { ...input, ...change });
      expect(errorCode(r), JSON.stringify(change)).toBe('CONFLICT');
      expect(r.errors![0]!.message).toContain('key-reused');
    }
    // The same input (defaults spelled out or not) is still a replay of the first order.
    const replay = await create(me.token, { ...input, needFood: false });
    expect(replay.data.createHomestayOrder.sn).toBe(first.sn);
    expect(await orderRows(ns, { userId: me.userId })).toHaveLength(1);
    expect(await heldNights(ns, { homestayId })).toBe(1);
    expect(await heldNights(ns, { homestayId: other })).toBe(0);
  });

  it('offers the order states that exist, and no EXPIRED', async () => {
    const r = await gql(`{ __type(name: "OrderState") { enumValues { name } } }`);
    expect(r.data.__type.enumValues.map((v: { name: string }) => v.name)).toEqual(['WAIT_PAY', 'WAIT_USE', 'USED', 'REFUNDED', 'CANCELLED']);
  });

  describe('bad input: the code, and nothing written (no order, no night, no job)', () => {
    let onSale: string;
    let offSale: string;
    beforeAll(async () => {
      onSale = await createHomestay(ns, { peopleNum: 2 });
      offSale = await createHomestay(ns, { onSale: false });
    });
    const cases: [string, () => Record<string, unknown>, string, string?][] = [
      ['an unknown homestay', () => ({ homestayId: '999999999', ...stay(1, 1), guests: 1 }), 'NOT_FOUND'],
      ['a homestay off sale', () => ({ homestayId: offSale, ...stay(1, 1), guests: 1 }), 'CONFLICT'],
      ['a checkIn in the past', () => ({ homestayId: onSale, ...stay(-1, 2), guests: 1 }), 'BAD_USER_INPUT', 'input.checkIn'],
      ['checkOut on checkIn', () => ({ homestayId: onSale, ...stay(1, 0), guests: 1 }), 'BAD_USER_INPUT', 'input.checkOut'],
      ['checkOut before checkIn', () => ({ homestayId: onSale, checkIn: stay(3, 0).checkIn, checkOut: stay(2, 0).checkIn, guests: 1 }), 'BAD_USER_INPUT', 'input.checkOut'],
      ['31 nights', () => ({ homestayId: onSale, ...stay(1, 31), guests: 1 }), 'BAD_USER_INPUT', 'input.checkOut'],
      ['no guests', () => ({ homestayId: onSale, ...stay(1, 1), guests: 0 }), 'BAD_USER_INPUT', 'input.guests'],
      ['more guests than the homestay takes', () => ({ homestayId: onSale, ...stay(1, 1), guests: 3 }), 'BAD_USER_INPUT', 'input.guests'],
      ['a malformed date', () => ({ homestayId: onSale, checkIn: '2030-02-30', checkOut: '2030-03-02', guests: 1 }), 'BAD_USER_INPUT'],
    ];
    it.each(cases)('refuses %s', async (_name, input, code, field) => {
      const user = await signUp();
      const jobsBefore = new Set((await queue.getJobs(['delayed', 'waiting'])).map((j) => j.id));
      const r = await create(user.token, input());
      expect(errorCode(r)).toBe(code);
      if (field) expect(r.errors![0].extensions!.argumentName).toBe(field);
      expect(await orderRows(ns, { userId: user.userId })).toHaveLength(0);
      expect(await heldNights(ns, { homestayId: onSale })).toBe(0);
      expect(await heldNights(ns, { homestayId: offSale })).toBe(0);
      // Every job added meanwhile belongs to an order that exists (other tests' orders).
      const added = (await queue.getJobs(['delayed', 'waiting'])).filter((j) => !jobsBefore.has(j.id));
      for (const j of added) expect(await orderRows(ns, { sn: j.data.sn })).toHaveLength(1);
    });
    it('refuses an anonymous caller', async () => {
      const r = await gql(CREATE, { input: { homestayId: onSale, ...stay(1, 1), guests: 1 } });
      expect(errorCode(r)).toBe('UNAUTHENTICATED');
    });
  });

  it('cancels by the owner only, releases the nights, and refuses to cancel a paid order', async () => {
    const homestayId = await createHomestay(ns, { roomCount: 1 });
    const dates = stay(7, 2);
    const o = (await create(guest.token, { homestayId, ...dates, guests: 1 })).data.createHomestayOrder;
    const stranger = await signUp();
    expect(errorCode(await gql(CANCEL, { sn: o.sn }, { token: stranger.token }))).toBe('NOT_FOUND');
    expect(errorCode(await gql(ORDER, { sn: o.sn }, { token: stranger.token }))).toBe('NOT_FOUND');
    const c = await gql(CANCEL, { sn: o.sn }, { token: guest.token });
    expect(c.data.cancelOrder).toMatchObject({ sn: o.sn, state: 'CANCELLED', closedAt: expect.any(String) });
    expect(await heldNights(ns, { sn: o.sn })).toBe(0);
    // A second cancel is a no-op.
    expect((await gql(CANCEL, { sn: o.sn }, { token: guest.token })).data.cancelOrder.state).toBe('CANCELLED');
    // The nights are free again.
    const again = await create(stranger.token, { homestayId, ...dates, guests: 1 });
    expect(again.errors).toBeUndefined();
    const paid = await internal('/orders/transition', { sn: again.data.createHomestayOrder.sn, to: 'WAIT_USE' });
    expect(paid.body.changed).toBe(true);
    const refused = await gql(CANCEL, { sn: again.data.createHomestayOrder.sn }, { token: stranger.token });
    expect(errorCode(refused)).toBe('CONFLICT');
    await waitFor(async () => events.filter((e) => e.sn === o.sn).map((e) => e.to), (l) => l.length === 2, 5000, 50);
    expect(events.filter((e) => e.sn === o.sn).map((e) => [e.from, e.to])).toEqual([[null, 'WAIT_PAY'], ['WAIT_PAY', 'CANCELLED']]);
  });

  it('lists my orders newest first with keyset pages and a state filter, also as User.orders', async () => {
    const me = await signUp();
    const homestayId = await createHomestay(ns, { roomCount: 10 });
    const sns: string[] = [];
    const book = async (i: number) => sns.push((await create(me.token, { homestayId, ...stay(1 + i, 1), guests: 1 })).data.createHomestayOrder.sn);
    for (let i = 0; i < 3; i++) await book(i);
    // One cancelled and one paid before the last two: at most ORDER_MAX_UNPAID_PER_USER (3) are unpaid at once.
    await gql(CANCEL, { sn: sns[1] }, { token: me.token });
    expect((await internal('/orders/transition', { sn: sns[0], to: 'WAIT_USE' })).body.changed).toBe(true);
    for (let i = 3; i < 5; i++) await book(i);
    const page = `query($after: String, $state: OrderState) { myOrders(first: 2, after: $after, state: $state) {
      edges { cursor node { sn state } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const r: any = await gql(page, { after }, { token: me.token });
      seen.push(...r.data.myOrders.edges.map((e: any) => e.node.sn));
      if (!r.data.myOrders.pageInfo.hasNextPage) break;
      after = r.data.myOrders.pageInfo.endCursor;
    }
    expect(seen).toEqual([...sns].reverse());
    const cancelled = await gql(page, { state: 'CANCELLED' }, { token: me.token });
    expect(cancelled.data.myOrders.edges.map((e: any) => e.node.sn)).toEqual([sns[1]]);
    expect(errorCode(await gql(page, { after: 'garbage' }, { token: me.token }))).toBe('BAD_USER_INPUT');
    const viaUser = await gql(`{ me { id orders(first: 10, state: WAIT_PAY) { edges { node { sn user { id } } } } } }`, {}, { token: me.token });
    expect(viaUser.errors).toBeUndefined();
    expect(viaUser.data.me.orders.edges.map((e: any) => e.node.sn)).toEqual([sns[4], sns[3], sns[2]]);
    expect(viaUser.data.me.orders.edges[0].node.user.id).toBe(me.userId);
    // user and homestay resolve through federation (user and homestay subgraphs).
    const one = await gql(`query($sn: ID!) { order(sn: $sn) { sn user { id nickname } homestay { id title price } } }`, { sn: sns[0] }, { token: me.token });
    expect(one.errors).toBeUndefined();
    expect(one.data.order).toEqual({ sn: sns[0], user: { id: me.userId, nickname: 'Tester' }, homestay: { id: homestayId, title: 'Seaside room', price: 25000 } });
    expect(errorCode(await gql(ORDER, { sn: 'HSO-unknown' }, { token: me.token }))).toBe('NOT_FOUND');
  });

  it('offers the internal routes the payment service uses', async () => {
    const homestayId = await createHomestay(ns, { roomCount: 3, price: 10000 });
    const o = (await create(guest.token, { homestayId, ...stay(1, 2), guests: 1 })).data.createHomestayOrder;
    const got = await internal('/orders/get', { sn: o.sn });
    expect(got.body).toEqual({
      sn: o.sn, userId: guest.userId, homestayId, businessId: expect.any(String), title: 'Seaside room', state: 'WAIT_PAY',
      total: 20000, checkIn: o.checkIn, checkOut: o.checkOut, tradeCode: null, paidAt: null, payDeadline: o.payDeadline,
    });
    expect((await internal('/orders/get', { sn: 'HSO-unknown' })).status).toBe(404);
    const paidAt = '2026-01-02T03:04:05.678Z';
    const paid = await internal('/orders/transition', { sn: o.sn, to: 'WAIT_USE', paidAt });
    expect(paid.body).toMatchObject({ changed: true, order: { state: 'WAIT_USE', paidAt, tradeCode: expect.stringMatching(/^[A-Z2-9]{8}$/) } });
    const repeat = await internal('/orders/transition', { sn: o.sn, to: 'WAIT_USE' });
    expect(repeat.body).toMatchObject({ changed: false, order: { paidAt, tradeCode: paid.body.order.tradeCode } });
    const impossible = await internal('/orders/transition', { sn: o.sn, to: 'CANCELLED' });
    expect(impossible.status).toBe(409);
    expect(impossible.body.error.code).toBe('CONFLICT');
    expect((await internal('/orders/transition', { sn: o.sn, to: 'WAIT_PAY' })).status).toBe(400);
    // Not due yet: checkOut is in the future.
    let due = await internal('/orders/due-for-settlement', { limit: 1000 });
    expect(due.body.orders.map((x: any) => x.sn)).not.toContain(o.sn);
    await query(ns, 'order', 'update homestay_order set live_start_date = date_sub(live_start_date, interval 10 day), live_end_date = date_sub(live_end_date, interval 10 day) where sn = ?', [o.sn]);
    due = await internal('/orders/due-for-settlement', { limit: 1000 });
    expect(due.body.orders.map((x: any) => x.sn)).toContain(o.sn);
    const refunded = await internal('/orders/transition', { sn: o.sn, to: 'REFUNDED' });
    expect(refunded.body).toMatchObject({ changed: true, order: { state: 'REFUNDED' } });
    expect(await heldNights(ns, { sn: o.sn })).toBe(0);
    await waitFor(async () => events.filter((e) => e.sn === o.sn), (l) => l.length === 3, 5000, 50);
    expect(events.filter((e) => e.sn === o.sn).map((e) => e.to)).toEqual(['WAIT_PAY', 'WAIT_USE', 'REFUNDED']);
    // A user-signed call is not a service call.
    const asUser = await fetch(`${processUrl('order')}/internal/orders/get`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [CONTEXT_HEADER]: signContext({ userId: guest.userId }, internalSecret()) },
      body: JSON.stringify({ sn: o.sn }),
    });
    expect(asUser.status).toBe(403);
  });
});
