import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { Stack } from '../../support/stack.js';
import { HoldProxy } from '../../support/hold-proxy.js';
import { errorCode, gql, signUp as signUpAt } from '../../support/gql.js';
import { CANCEL, CREATE, createHomestay, heldNights, orderRows, query, stay, waitFor } from './support.js';

/**
 * The booking saga and the state-change record under faults, on a stack of its own: the order
 * and jobs processes reach the homestay service through a proxy that can hold a reply back (a
 * booking stalled between reserving and storing), the sweep runs every second with a short
 * orphan age, and the tests SIGKILL the order process.
 */
const ns = `${inject('namespace')}s`;
process.env.NAMESPACE = ns;
const { createRedis } = await import('../../../lib/redis.js');
const { ORDER_STATE_CHANNEL, parseOrderStateEvent } = await import('../../../contracts/order.js');

let stack: Stack;
let proxy: HoldProxy;
const events: any[] = [];
const sub = createRedis();

const signUp = () => signUpAt('Tester', stack.graphqlUrl);
const create = (token: string, input: Record<string, unknown>) => gql(CREATE, { input }, { token, url: stack.graphqlUrl });

beforeAll(async () => {
  const { migrateAll } = await import('../../../scripts/migrate.js');
  await migrateAll(() => undefined);
  proxy = await HoldProxy.start();
  stack = await Stack.start({
    namespace: ns,
    env: { HOMESTAY_URL: proxy.url, ORDER_SWEEP_INTERVAL: '1s', ORDER_ORPHAN_AGE: '2s' },
    // payment too: a guest's cancel asks it first.
    processes: ['user', 'homestay', 'order', 'payment', 'jobs', 'gateway'],
  });
  proxy.setTarget(stack.url('homestay'));
  await sub.subscribe(ORDER_STATE_CHANNEL());
  sub.on('message', (_c, m) => events.push({ ...JSON.parse(m), parsed: parseOrderStateEvent(m) !== null }));
});

afterAll(async () => {
  sub.disconnect();
  await stack?.close();
  await proxy?.close();
  const { cleanupNamespace } = await import('../../support/cleanup.js');
  await cleanupNamespace(ns);
});

describe('booking saga', () => {
  it('a booking stalled between reserving and storing past ORDER_ORPHAN_AGE fails cleanly: no payable order without nights', async () => {
    const user = await signUp();
    const homestayId = await createHomestay(ns, { roomCount: 1 });
    const dates = stay(6, 2);
    const held = proxy.hold('/internal/reservations/reserve');
    const booking = create(user.token, { homestayId, ...dates, guests: 1 });
    // The nights are reserved in the homestay service; the order service has not heard back yet.
    const { body, status } = await held.answered;
    expect(status).toBe(200);
    const sn: string = body.sn;
    expect(await heldNights(ns, { sn })).toBe(2);
    // The sweep (every 1 s, orphan age 2 s) decides while the booking waits; then the reply goes on.
    expect(await waitFor(() => heldNights(ns, { sn }), (n) => n === 0, 7_000)).toBe(0);
    held.release();
    const r = await booking;
    expect(errorCode(r)).toBe('CONFLICT');
    expect(r.errors![0]!.message).toMatch(/timed out/);
    // Never payable: the order row is not WAIT_PAY (it is FAILED, internal) and reads as not found.
    const rows = await orderRows(ns, { sn });
    expect(rows.filter((o) => o.trade_state === 0)).toHaveLength(0);
    const read = await gql(`query($sn: ID!) { order(sn: $sn) { sn } }`, { sn }, { token: user.token, url: stack.graphqlUrl });
    expect(errorCode(read)).toBe('NOT_FOUND');
    const mine = await gql(`{ myOrders { edges { node { sn } } } }`, {}, { token: user.token, url: stack.graphqlUrl });
    expect(mine.data.myOrders.edges).toEqual([]);
    // The inventory agrees: nothing held, and the room sells once to the next guest.
    expect(await heldNights(ns, { homestayId })).toBe(0);
    const [inv] = await query(ns, 'homestay', 'select coalesce(sum(reserved), 0) as n from homestay_inventory where homestay_id = ?', [homestayId]);
    expect(Number(inv!.n)).toBe(0);
    const other = await signUp();
    const next = await create(other.token, { homestayId, ...dates, guests: 1 });
    expect(next.errors).toBeUndefined();
    expect(next.data.createHomestayOrder.state).toBe('WAIT_PAY');
    expect(await heldNights(ns, { homestayId })).toBe(2);
    // The failed booking never announced an order.
    expect(events.filter((e) => e.sn === sn)).toEqual([]);
  });

  it('a reserve that reaches the homestay service after the sweep failed the booking: CONFLICT, nothing held', async () => {
    const user = await signUp();
    const homestayId = await createHomestay(ns, { roomCount: 1 });
    const dates = stay(9, 1);
    const held = proxy.hold('/internal/reservations/reserve', { request: true });
    const booking = create(user.token, { homestayId, ...dates, guests: 1, idempotencyKey: 'late-reserve' });
    const sn: string = (await held.answered).body.sn;
    // Stored before the reserve left: the sweep sees the booking, fails it and releases its sn.
    const state = () => orderRows(ns, { sn }).then((r) => r[0]?.trade_state);
    expect(await waitFor(state, (s) => s === 11, 7_000)).toBe(11);
    held.release();
    const r = await booking;
    expect(errorCode(r)).toBe('CONFLICT');
    expect(r.errors![0]!.message).toMatch(/timed out/);
    expect(await waitFor(() => heldNights(ns, { homestayId }), (n) => n === 0, 5_000)).toBe(0);
    expect((await orderRows(ns, { sn }))[0]).toMatchObject({ trade_state: 11, idempotency_key: null });
    // The failed booking freed its key: the guest's retry with it books.
    const retry = await create(user.token, { homestayId, ...dates, guests: 1, idempotencyKey: 'late-reserve' });
    expect(retry.errors).toBeUndefined();
    expect(retry.data.createHomestayOrder.sn).not.toBe(sn);
    expect(await heldNights(ns, { homestayId })).toBe(1);
  });
});

describe('booking snapshot', () => {
  it('comes from the reserve, read where the nights are taken: one call to the homestay service, and a price changed before it is the price charged', async () => {
    const user = await signUp();
    const homestayId = await createHomestay(ns, { price: 10_000, title: 'Before' });
    const dates = stay(12, 2);
    const held = proxy.hold('/internal/reservations/reserve', { request: true });
    const from = proxy.paths.length;
    const booking = create(user.token, { homestayId, ...dates, guests: 1 });
    await held.answered;
    // The landlord's change commits after the booking started, before its nights are taken.
    await query(ns, 'homestay', 'update homestay set homestay_price = 12000, title = ? where id = ?', ['After', homestayId]);
    held.release();
    const r = await booking;
    expect(r.errors).toBeUndefined();
    expect(r.data.createHomestayOrder).toMatchObject({ state: 'WAIT_PAY', title: 'After', price: 12_000, homestayTotal: 24_000, total: 24_000 });
    const [row] = await orderRows(ns, { sn: r.data.createHomestayOrder.sn });
    expect(row).toMatchObject({ title: 'After', homestay_price: 12_000, homestay_total_price: 24_000, order_total_price: 24_000 });
    // The sweep's listing and releases (every second here) run beside the booking: left out.
    const calls = proxy.paths.slice(from).filter((p) => !/^\/internal\/reservations\/(held|release)/.test(p));
    expect(calls).toEqual(['/internal/reservations/reserve']);
  });
});

describe('state-change record', () => {
  it('an order process killed between the state change and its publish: the event still arrives, with an id', async () => {
    const user = await signUp();
    const homestayId = await createHomestay(ns);
    const o = (await create(user.token, { homestayId, ...stay(2, 1), guests: 1 })).data.createHomestayOrder;
    await waitFor(async () => events.filter((e) => e.sn === o.sn), (l) => l.length >= 1, 10_000);
    await stack.restartProcess('order', { ORDER_TEST_CRASH_AT: 'before-publish' });
    const c = await gql(CANCEL, { sn: o.sn }, { token: user.token, url: stack.graphqlUrl });
    // The process died under the request, after its UPDATE committed.
    expect(c.data?.cancelOrder ?? null).toBeNull();
    expect((await orderRows(ns, { sn: o.sn }))[0]!.trade_state).toBe(-1);
    await stack.restartProcess('order');
    const cancelled = await waitFor(
      async () => events.filter((e) => e.sn === o.sn && e.to === 'CANCELLED'),
      (l) => l.length >= 1,
      20_000,
    );
    expect(cancelled.length).toBeGreaterThanOrEqual(1);
    expect(cancelled[0]).toMatchObject({ sn: o.sn, userId: user.userId, from: 'WAIT_PAY', to: 'CANCELLED', parsed: true });
    expect(cancelled[0].id).toEqual(expect.any(String));
    // A repeat (the relay racing a delivery) carries the same id, so subscribers can drop it.
    expect(new Set(cancelled.map((e) => e.id)).size).toBe(1);
    const created = events.filter((e) => e.sn === o.sn && e.to === 'WAIT_PAY');
    expect(created[0].id).not.toBe(cancelled[0].id);
  });
});
