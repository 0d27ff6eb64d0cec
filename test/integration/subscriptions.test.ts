import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { Redis } from 'ioredis';
import { gatewayUrl, gql, processUrl, signUp, testNamespace } from '../support/gql.js';
import { metric } from '../support/metrics.js';
import { Stack } from '../support/stack.js';
import { connect, refusal, subscribe, subscriptionStats, waitForStats, type WsConnection } from '../support/ws.js';
import { CANCEL, createHomestay, stay } from './order/support.js';

/**
 * Live order status over graphql-ws, with real processes and a real graphql-ws client.
 *
 * "A" is the shared test stack's gateway. "B" is a second stack in the same namespace: its own
 * order service (with a short ORDER_PAY_TIMEOUT) and its own gateway process, which also
 * serves as the second gateway instance; it uses A's user, homestay and payment services.
 */
const ns = testNamespace();
const wsA = () => gatewayUrl().replace(/^http/, 'ws') + '/graphql';
const SANDBOX_SECRET = process.env.PAYMENT_SANDBOX_SECRET ?? 'looklook-dev-sandbox-secret';
const MAX_PER_CONNECTION = 50;

const CREATE = `mutation($input: CreateHomestayOrderInput!) { createHomestayOrder(input: $input) { sn state total } }`;
const FULL = `subscription($sn: ID) {
  orderStateChanged(sn: $sn) {
    from to at
    order { sn state total homestay { id title } payments { sn status amount } user { id nickname } }
  }
}`;
const LEAN = `subscription($sn: ID) { orderStateChanged(sn: $sn) { to order { sn } } }`;

let stackB: Stack;
const conns: WsConnection[] = [];
const open = (url: string, token?: string | null, opts?: { authorization?: string }) => {
  const c = connect(url, token, opts);
  conns.push(c);
  return c;
};

async function book(token: string, url?: string, title = 'Seaside room'): Promise<string> {
  const homestayId = await createHomestay(ns, { title });
  const r = await gql(CREATE, { input: { homestayId, ...stay(2, 1), guests: 1 } }, { token, url });
  if (!r.data) throw new Error(`booking failed: ${JSON.stringify(r.errors)}`);
  return r.data.createHomestayOrder.sn;
}

/** Subscribes and waits until the gateway holds the listener, so no later event can be missed. */
async function live(gateway: string, conn: WsConnection, query: string, variables: Record<string, unknown> = {}) {
  const before = (await subscriptionStats(gateway)).hub.listeners;
  const sub = subscribe(conn, query, variables);
  await waitForStats(gateway, (s) => s.hub.listeners > before || sub.errors.length > 0);
  return sub;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


beforeAll(async () => {
  stackB = await Stack.start({
    namespace: ns,
    processes: ['order', 'gateway'],
    env: {
      USER_URL: processUrl('user'),
      HOMESTAY_URL: processUrl('homestay'),
      PAYMENT_URL: processUrl('payment'),
      ORDER_PAY_TIMEOUT: '3s',
      SUBSCRIPTION_MAX_PER_CONNECTION: String(MAX_PER_CONNECTION),
      // Short, to see pings in a test; not shorter: the server reads one frame per loop turn, so a
      // pong can wait behind a burst of subscribes.
      SUBSCRIPTION_KEEP_ALIVE: '2s',
      // The churn test below opens thousands of subscriptions on purpose; socket-abuse.test.ts
      // covers the rate limit.
      SUBSCRIPTION_SUBSCRIBE_RATE: '0',
    },
  });
});

// Every test leaves gateway B with no connection and no listener.
afterEach(async () => {
  await Promise.all(conns.splice(0).map((c) => c.dispose().catch(() => undefined)));
  if (stackB) await waitForStats(stackB.gatewayUrl, (s) => s.connections === 0 && s.hub.listeners === 0);
});

afterAll(async () => {
  await stackB?.close();
});

describe('orderStateChanged over graphql-ws', () => {
  it('book, subscribe, pay through the sandbox callback: a WAIT_USE event carries the homestay title', async () => {
    const guest = await signUp('Payer');
    const sn = await book(guest.token, undefined, 'Lakeside cabin');
    const conn = open(wsA(), guest.token);
    const one = await live(gatewayUrl(), conn, FULL, { sn });
    const all = await live(gatewayUrl(), conn, FULL);

    const pay = await gql(`mutation($sn: ID!) { payOrder(orderSn: $sn) { sn amount } }`, { sn }, { token: guest.token });
    expect(pay.errors).toBeUndefined();
    const { sn: paymentSn, amount } = pay.data.payOrder;
    const body = JSON.stringify({ paymentSn, transactionId: `tx-${randomBytes(6).toString('hex')}`, amount, status: 'SUCCESS' });
    const notify = await fetch(`${gatewayUrl()}/payments/notify/sandbox`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-sandbox-signature': `sha256=${createHmac('sha256', SANDBOX_SECRET).update(body).digest('hex')}`,
      },
      body,
    });
    expect(notify.status).toBe(200);

    // First the order's current state (from = to), then the change.
    const [current, event] = await one.waitFor(2, 40_000);
    expect(current!.data.orderStateChanged).toMatchObject({ from: 'WAIT_PAY', to: 'WAIT_PAY', order: { sn, state: 'WAIT_PAY' } });
    expect(event!.errors).toBeUndefined();
    const change = event!.data.orderStateChanged;
    expect(change).toMatchObject({
      from: 'WAIT_PAY',
      to: 'WAIT_USE',
      order: {
        sn,
        state: 'WAIT_USE',
        homestay: { title: 'Lakeside cabin' },
        payments: [{ sn: paymentSn, status: 'SUCCESS', amount }],
        user: { id: guest.userId, nickname: 'Payer' },
      },
    });
    expect(Date.parse(change.at)).toBeGreaterThan(Date.now() - 60_000);
    const [allEvent] = await all.waitFor(1);
    expect(allEvent!.data.orderStateChanged.order.sn).toBe(sn);
  });

  it('with a short ORDER_PAY_TIMEOUT a CANCELLED event arrives; another user hears nothing and cannot watch the order', async () => {
    const owner = await signUp('Owner');
    const other = await signUp('Other');
    const ownerConn = open(stackB.wsUrl, owner.token);
    const otherConn = open(stackB.wsUrl, other.token);
    const mine = await live(stackB.gatewayUrl, ownerConn, FULL);
    const theirs = await live(stackB.gatewayUrl, otherConn, FULL);

    // Booked through gateway B, so order service B (3s timeout) schedules the close.
    const sn = await book(owner.token, stackB.graphqlUrl, 'Mountain hut');
    const snooping = subscribe(otherConn, FULL, { sn });
    await snooping.settled();
    expect(refusal(snooping)).toBe('NOT_FOUND');
    expect(snooping.results.filter((r) => r.data)).toEqual([]);

    // The creation event, then the close at the deadline.
    const events = await mine.waitFor(2, 40_000);
    expect(events[0]!.data.orderStateChanged).toMatchObject({ from: null, to: 'WAIT_PAY', order: { sn, state: 'WAIT_PAY' } });
    expect(events[1]!.data.orderStateChanged).toMatchObject({
      from: 'WAIT_PAY',
      to: 'CANCELLED',
      order: { sn, state: 'CANCELLED', homestay: { title: 'Mountain hut' }, payments: [], user: { id: owner.userId } },
    });
    await sleep(300);
    expect(theirs.results).toEqual([]);
  });

  it('refuses a missing token with 4401 and forged or malformed ones with 4403', async () => {
    expect(await open(wsA()).closed).toBe(4401);
    expect(await open(wsA(), null, { authorization: '' }).closed).toBe(4401);
    const forged = await new SignJWT({ jwtUserId: '1' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('not-the-secret'));
    expect(await open(wsA(), forged).closed).toBe(4403);
    expect(await open(wsA(), 'garbage').closed).toBe(4403);
    const expired = await new SignJWT({ jwtUserId: '1' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
      .sign(new TextEncoder().encode(process.env.JWT_ACCESS_SECRET ?? 'looklook-dev-access-secret-change-me'));
    expect(await open(wsA(), expired).closed).toBe(4403);
  });

  it('runs queries over the socket through the gateway and refuses invalid documents with the HTTP codes', async () => {
    const guest = await signUp('Socket');
    const conn = open(wsA(), guest.token);
    const me = subscribe(conn, '{ me { id nickname } }');
    await me.settled();
    expect(me.results).toEqual([{ data: { me: { id: guest.userId, nickname: 'Socket' } } }]);
    const invalid = subscribe(conn, 'subscription { orderStateChanged { nope } }');
    await invalid.settled();
    expect(refusal(invalid)).toBe('GRAPHQL_VALIDATION_FAILED');
    const broken = subscribe(conn, 'subscription {');
    await broken.settled();
    expect(refusal(broken)).toBe('GRAPHQL_PARSE_FAILED');
    // The gateway's depth limit (QUERY_MAX_DEPTH 12) holds over the socket too.
    const deep = subscribe(
      conn,
      `subscription { orderStateChanged { order { homestay { business { homestays { edges { node { business { homestays { edges { node { business { id } } } } } } } } } } } } }`,
    );
    await deep.settled();
    expect(refusal(deep)).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('two gateway processes: subscribed on one, the order changed behind the other, the event arrives', async () => {
    const guest = await signUp('Roamer');
    const sn = await book(guest.token); // through gateway A and order service A
    const conn = open(stackB.wsUrl, guest.token);
    const sub = await live(stackB.gatewayUrl, conn, FULL, { sn });
    const cancel = await gql(CANCEL, { sn }, { token: guest.token });
    expect(cancel.data.cancelOrder.state).toBe('CANCELLED');
    const [, event] = await sub.waitFor(2);
    expect(event!.data.orderStateChanged).toMatchObject({ from: 'WAIT_PAY', to: 'CANCELLED', order: { sn, state: 'CANCELLED', homestay: { title: 'Seaside room' } } });
  });

  it('answers a selection of only `to` and `order { sn }` from the event with no subgraph call', async () => {
    const guest = await signUp('Lean');
    const sn = await book(guest.token);
    const conn = open(stackB.wsUrl, guest.token);
    const lean = await live(stackB.gatewayUrl, conn, LEAN, { sn });
    const aliased = await live(stackB.gatewayUrl, conn, `subscription { c: orderStateChanged { now: to o: order { id: sn } } }`);
    // The owner check of `lean` is one query through B; its current state follows it. (A fixed
    // sleep here was too short on a loaded machine: the check's fetch was counted afterwards.)
    await lean.waitFor(1);
    const fetchesBefore = await metric(stackB.gatewayUrl, 'graphql_subgraph_fetch_duration_seconds_count');
    expect(fetchesBefore).toBeGreaterThan(0); // the owner check was counted: the counter is live
    await gql(CANCEL, { sn }, { token: guest.token }); // through gateway A, which B never calls
    const [current, event] = await lean.waitFor(2);
    expect(current).toEqual({ data: { orderStateChanged: { to: 'WAIT_PAY', order: { sn } } } });
    expect(event).toEqual({ data: { orderStateChanged: { to: 'CANCELLED', order: { sn } } } });
    const [other] = await aliased.waitFor(1);
    expect(other).toEqual({ data: { c: { now: 'CANCELLED', o: { id: sn } } } });
    expect(await metric(stackB.gatewayUrl, 'graphql_subgraph_fetch_duration_seconds_count')).toBe(fetchesBefore);
  });

  it('a subscriber to one order first gets its current state, also when it (re)connects after a change', async () => {
    const guest = await signUp('Latecomer');
    const sn = await book(guest.token);
    await gql(CANCEL, { sn }, { token: guest.token }); // changed while nobody listened
    const conn = open(stackB.wsUrl, guest.token);
    const sub = await live(stackB.gatewayUrl, conn, FULL, { sn });
    const [current] = await sub.waitFor(1);
    expect(current!.data.orderStateChanged).toMatchObject({
      from: 'CANCELLED',
      to: 'CANCELLED',
      order: { sn, state: 'CANCELLED', homestay: { title: 'Seaside room' } },
    });
    // A watcher of all the user's orders gets no replay: only changes from now on.
    const all = await live(stackB.gatewayUrl, conn, LEAN);
    await sleep(300);
    expect(all.results).toEqual([]);
  });

  it('a change published twice (the order relay retrying) reaches a subscriber once', async () => {
    const guest = await signUp('Twice');
    const sn = await book(guest.token);
    const conn = open(stackB.wsUrl, guest.token);
    const sub = await live(stackB.gatewayUrl, conn, LEAN);
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const channel = `${ns}:order-state-changed`; // the order service's channel, in the test namespace
    try {
      const paid = { id: `dup-${randomBytes(6).toString('hex')}`, sn, userId: guest.userId, from: 'WAIT_PAY', to: 'WAIT_USE', at: new Date().toISOString() };
      await redis.publish(channel, JSON.stringify(paid));
      await redis.publish(channel, JSON.stringify(paid));
      await redis.publish(channel, JSON.stringify({ ...paid, id: `${paid.id}-2`, from: 'WAIT_USE', to: 'USED' }));
      await sub.waitFor(2);
      await sleep(300);
      expect(sub.results.map((r) => r.data.orderStateChanged.to)).toEqual(['WAIT_USE', 'USED']);
    } finally {
      redis.disconnect();
    }
  });

  // Found by the fault soak (seed 1001): the order relay published WAIT_USE again after USED had
  // gone out (its mark was lost with a killed order process), and gateway B, restarted meanwhile,
  // no longer knew the event id: its subscriber ended on WAIT_USE for an order that was USED.
  it('a change heard after a later one (republished, so with an id the gateway does not know) is not passed on', async () => {
    const guest = await signUp('Late');
    const sn = await book(guest.token);
    const conn = open(stackB.wsUrl, guest.token);
    const all = await live(stackB.gatewayUrl, conn, LEAN);
    const one = await live(stackB.gatewayUrl, conn, LEAN, { sn });
    await one.waitFor(1); // the order's current state first: WAIT_PAY
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const channel = `${ns}:order-state-changed`;
    const event = (from: string | null, to: string) => ({ id: `late-${randomBytes(6).toString('hex')}`, sn, userId: guest.userId, from, to, at: new Date().toISOString() });
    try {
      await redis.publish(channel, JSON.stringify(event(null, 'WAIT_PAY'))); // the creation, late
      await redis.publish(channel, JSON.stringify(event('WAIT_PAY', 'WAIT_USE')));
      await redis.publish(channel, JSON.stringify(event('WAIT_USE', 'USED')));
      await redis.publish(channel, JSON.stringify(event('WAIT_PAY', 'WAIT_USE'))); // republished
      await redis.publish(channel, JSON.stringify(event('WAIT_USE', 'USED'))); // republished
      await all.waitFor(3);
      await one.waitFor(3);
      await sleep(300);
      expect(all.results.map((r) => r.data.orderStateChanged.to)).toEqual(['WAIT_PAY', 'WAIT_USE', 'USED']);
      expect(one.results.map((r) => r.data.orderStateChanged.to)).toEqual(['WAIT_PAY', 'WAIT_USE', 'USED']);
    } finally {
      redis.disconnect();
    }
  });

  it('pings to keep the socket alive and bounds subscriptions per connection', async () => {
    const guest = await signUp('Pinger');
    const socket = new WebSocket(stackB.wsUrl, 'graphql-transport-ws');
    let pings = 0;
    socket.on('ping', () => (pings += 1));
    await new Promise((r) => socket.once('open', r));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${guest.token}` } }));
    await sleep(4_500);
    expect(pings).toBeGreaterThanOrEqual(2);
    socket.close();

    // A client that stops answering pings is dropped by its next ping (2s here).
    const mute = new WebSocket(stackB.wsUrl, 'graphql-transport-ws', { autoPong: false });
    const muteClosed = new Promise<number>((r) => mute.once('close', r));
    await new Promise((r) => mute.once('open', r));
    mute.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${guest.token}` } }));
    const dropped = await Promise.race([muteClosed, sleep(8_000).then(() => 'still open')]);
    expect(dropped).toBe(1006); // terminated, no close frame

    const conn = open(stackB.wsUrl, guest.token);
    const subs = Array.from({ length: MAX_PER_CONNECTION }, () => subscribe(conn, LEAN));
    await waitForStats(stackB.gatewayUrl, (s) => s.hub.listeners >= MAX_PER_CONNECTION);
    const extra = subscribe(conn, LEAN);
    await extra.settled();
    expect(refusal(extra)).toBe('FORBIDDEN');
    expect((extra.errors[0] as any)[0].extensions.limit).toBe(MAX_PER_CONNECTION);
    subs[0]!.unsubscribe();
    await waitForStats(stackB.gatewayUrl, (s) => s.hub.listeners === MAX_PER_CONNECTION - 1);
    const again = subscribe(conn, LEAN);
    await waitForStats(stackB.gatewayUrl, (s) => s.hub.listeners === MAX_PER_CONNECTION);
    expect(again.errors).toEqual([]);
    for (const s of [...subs, again]) s.unsubscribe();
    await waitForStats(stackB.gatewayUrl, (s) => s.hub.listeners === 0);
  });

  it('1,000 subscribe/unsubscribe cycles and dropped connections leave no listener or Redis subscription behind', async () => {
    const guest = await signUp('Cycler');
    const sn = await book(guest.token);
    await waitForStats(stackB.gatewayUrl, (s) => s.hub.listeners === 0 && !s.hub.redisSubscribed);
    const baseline = await subscriptionStats(stackB.gatewayUrl);
    const conns2 = [open(stackB.wsUrl, guest.token), open(stackB.wsUrl, guest.token)];
    const batch = MAX_PER_CONNECTION; // per connection
    let cycles = 0;
    while (cycles < 1000) {
      // Half the subscriptions watch one order (owner check), half all of the user's orders.
      const subs = conns2.flatMap((c) =>
        Array.from({ length: batch }, (_, i) => subscribe(c, LEAN, i % 2 ? { sn } : {})),
      );
      await waitForStats(stackB.gatewayUrl, (s) => s.hub.listeners === subs.length && s.hub.redisSubscribed);
      for (const s of subs) s.unsubscribe();
      cycles += subs.length;
      // Listeners go at once; a subscription completed during its owner check holds its slot
      // until the check is over.
      await waitForStats(stackB.gatewayUrl, (s) => s.hub.listeners === 0 && s.operations === 0);
    }
    // Subscribe and drop at once, before the server even finished setting up.
    for (let i = 0; i < 200; i++) subscribe(conns2[i % 2]!, LEAN, i % 2 ? { sn } : {}).unsubscribe();
    // And connections that vanish with live subscriptions.
    for (let i = 0; i < 5; i++) {
      const c = connect(stackB.wsUrl, guest.token);
      for (let j = 0; j < 10; j++) subscribe(c, LEAN, j % 2 ? { sn } : {});
      await c.connected;
      await waitForStats(stackB.gatewayUrl, (s) => s.hub.listeners >= 10);
      await c.dispose();
    }
    await Promise.all(conns2.map((c) => c.dispose()));
    const after = await waitForStats(stackB.gatewayUrl, (s) => s.hub.listeners === 0 && !s.hub.redisSubscribed && s.connections === 0);
    expect(after.hub).toEqual(baseline.hub);
    expect(after.hub.redisMessageListeners).toBeLessThanOrEqual(1);
    expect(after).toMatchObject({ connections: 0, users: 0, operations: 0, subscriptions: 0, hub: { users: 0, orders: 0 } });
  });
});
