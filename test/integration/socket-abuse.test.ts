import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { gql, processUrl, signUp, testNamespace } from '../support/gql.js';
import { Stack } from '../support/stack.js';
import { connect, subscribe, subscriptionStats, waitForStats, type WsConnection } from '../support/ws.js';
import { CANCEL, createHomestay, stay } from './order/support.js';

/**
 * Hostile and careless socket clients against a gateway of its own (the shared stack's
 * subgraphs behind it), with the default limits but a slower subscribe rate: subscription churn on one socket, too many
 * sockets for one user, errors of queries and mutations sent over the socket, and the fan-out of
 * one event to many subscriptions of one user.
 */
const ns = testNamespace();
let stack: Stack;
const conns: WsConnection[] = [];
const rawSockets: WebSocket[] = [];
const open = (token: string) => {
  const c = connect(stack.wsUrl, token);
  conns.push(c);
  return c;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const LEAN = `subscription($sn: ID) { orderStateChanged(sn: $sn) { to order { sn } } }`;
const FULL = `subscription($sn: ID) { orderStateChanged(sn: $sn) { to order { sn state total homestay { title } user { nickname } } } }`;
const OTHER = `subscription { orderStateChanged { from order { sn homestay { id } } } }`;

async function metric(name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${stack.gatewayUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(name) && !l.startsWith('#') && l.includes(labels))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

/** Books one night of a new homestay through the shared gateway. */
async function book(token: string, title: string): Promise<{ homestayId: string; sn: string }> {
  const homestayId = await createHomestay(ns, { title });
  const r = await gql(
    `mutation($input: CreateHomestayOrderInput!) { createHomestayOrder(input: $input) { sn } }`,
    { input: { homestayId, ...stay(2, 1), guests: 1 } },
    { token },
  );
  if (!r.data) throw new Error(`booking failed: ${JSON.stringify(r.errors)}`);
  return { homestayId, sn: r.data.createHomestayOrder.sn };
}

/** A bare graphql-transport-ws socket, to send messages faster than any well-behaved client. */
async function rawSocket(token: string) {
  const socket = new WebSocket(stack.wsUrl, 'graphql-transport-ws');
  rawSockets.push(socket);
  const received: Array<{ id?: string; type: string; payload?: any }> = [];
  const waiters: Array<() => void> = [];
  socket.on('message', (data) => {
    received.push(JSON.parse(String(data)));
    for (const w of waiters.splice(0)) w();
  });
  let closeCode: number | undefined;
  socket.on('close', (code) => (closeCode = code));
  await new Promise((r) => socket.once('open', r));
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
  const until = async (ok: () => boolean, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!ok()) {
      if (Date.now() > deadline) throw new Error(`socket never got there; last messages ${JSON.stringify(received.slice(-3))}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 50);
      });
    }
  };
  await until(() => received.some((m) => m.type === 'connection_ack'));
  return { socket, received, until, closeCode: () => closeCode };
}

beforeAll(async () => {
  stack = await Stack.start({
    namespace: ns,
    processes: ['gateway'],
    env: {
      USER_URL: processUrl('user'),
      HOMESTAY_URL: processUrl('homestay'),
      ORDER_URL: processUrl('order'),
      PAYMENT_URL: processUrl('payment'),
      // A slow refill, so the rate test below does not depend on how fast this machine is.
      SUBSCRIPTION_SUBSCRIBE_RATE: '2',
    },
  });
});

afterEach(async () => {
  await Promise.all(conns.splice(0).map((c) => c.dispose().catch(() => undefined)));
  for (const socket of rawSockets.splice(0)) socket.terminate();
  if (stack) await waitForStats(stack.gatewayUrl, (s) => s.connections === 0 && s.hub.listeners === 0 && s.operations === 0);
});

afterAll(async () => {
  await stack?.close();
});

describe('hostile socket clients', () => {
  it('20,000 subscribe+complete pairs on one socket: 0 listeners right after, bounded memory, HTTP stays responsive', async () => {
    const guest = await signUp('Churner');
    const raw = await rawSocket(guest.token);
    const sn = 'HSO2026120100000000N'; // no such order: each accepted subscribe runs an owner check
    const flood = async (pairs: number, prefix: string) => {
      for (let i = 0; i < pairs; i++) {
        raw.socket.send(JSON.stringify({ id: `${prefix}${i}`, type: 'subscribe', payload: { query: LEAN, variables: { sn } } }));
        raw.socket.send(JSON.stringify({ id: `${prefix}${i}`, type: 'complete' }));
        // Pace the sender a little: it shares this process's event loop with the HTTP probes.
        if (i % 100 === 99) await sleep(2);
      }
      // Messages of one socket are handled in order: once this is answered (a result, or refused
      // for the rate), every complete before it was seen.
      raw.socket.send(JSON.stringify({ id: `${prefix}last`, type: 'subscribe', payload: { query: '{ __typename }' } }));
      await raw.until(() => raw.received.some((m) => m.id === `${prefix}last` && (m.type === 'complete' || m.type === 'error')), 60_000);
    };
    // A first, smaller flood, so that what is measured is what the big one keeps, not the heap the
    // runtime grows to on first use (Node 24's young generation alone grows by tens of MB).
    await flood(2_000, 'w');
    const rssBefore = await metric('process_resident_memory_bytes');

    // HTTP clients keep asking the gateway meanwhile (after one request that warms its caches).
    await gql('{ __typename }', {}, { url: stack.graphqlUrl });
    const latencies: number[] = [];
    const probes: Promise<void>[] = [];
    const probe = async () => {
      const t = performance.now();
      const r = await gql('{ __typename }', {}, { url: stack.graphqlUrl });
      expect(r.data).toEqual({ __typename: 'Query' });
      latencies.push(performance.now() - t);
    };
    // One probe every 20 ms, each on its own (a slow one does not hold back the next).
    const ticker = setInterval(() => probes.push(probe()), 20);

    try {
      await flood(20_000, 's');
      const settled = await waitForStats(stack.gatewayUrl, (s) => s.hub.listeners === 0, 1_000);
      expect(settled.hub.listeners).toBe(0);
    } finally {
      clearInterval(ticker);
      await Promise.all(probes);
    }

    // The socket is still up, and nothing failed but for the limits.
    expect(raw.closeCode()).toBeUndefined();
    const unexpected = raw.received.filter(
      (m) => m.type === 'error' && !['RATE_LIMITED', 'FORBIDDEN'].includes(m.payload?.[0]?.extensions?.code),
    );
    expect(unexpected).toEqual([]);
    expect(raw.received.filter((m) => m.type === 'next' && !m.id?.endsWith('last'))).toEqual([]);

    const rssGrowth = (await metric('process_resident_memory_bytes')) - rssBefore;
    latencies.sort((a, b) => a - b);
    const p99 = latencies[Math.floor(latencies.length * 0.99)] ?? 0;
    console.log(`churn: ${latencies.length} HTTP probes, p99 ${p99.toFixed(1)} ms, gateway RSS +${(rssGrowth / 2 ** 20).toFixed(1)} MiB`);
    expect(latencies.length).toBeGreaterThan(0);
    // Liveness only: every probe was answered, none took seconds. The latency figure itself is
    // measured by `npm run bench -- socket-churn` (a timed assertion would flake on a busy machine).
    expect(latencies.at(-1)!).toBeLessThan(10_000);
    expect(rssGrowth).toBeLessThan(50 * 2 ** 20);
  }, 120_000);

  it('operations on one socket are rate-limited: past the first burst, RATE_LIMITED with retryAfter', async () => {
    const guest = await signUp('Rusher');
    const raw = await rawSocket(guest.token);
    // 90 queries (the burst allows 100), then 30 more once those are done: the slots are free
    // again, so only the rate (2/s on this gateway) refuses.
    const send = (from: number, n: number) => {
      for (let i = from; i < from + n; i++) raw.socket.send(JSON.stringify({ id: `q${i}`, type: 'subscribe', payload: { query: '{ __typename }' } }));
    };
    const ended = () => raw.received.filter((m) => m.id?.startsWith('q') && (m.type === 'complete' || m.type === 'error')).length;
    send(0, 90);
    await raw.until(() => ended() === 90);
    expect(raw.received.filter((m) => m.type === 'error')).toEqual([]);
    send(90, 30);
    await raw.until(() => ended() === 120);
    const limited = raw.received.filter((m) => m.type === 'error');
    expect(limited.length).toBeGreaterThanOrEqual(15);
    for (const m of limited) expect(m.payload[0].extensions).toEqual({ code: 'RATE_LIMITED', retryAfter: 1 });
    expect(raw.received.filter((m) => m.type === 'next')).toHaveLength(120 - limited.length);
    // After the wait it names, the socket serves again.
    await sleep(1_000);
    raw.socket.send(JSON.stringify({ id: 'after', type: 'subscribe', payload: { query: '{ __typename }' } }));
    await raw.until(() => raw.received.some((m) => m.id === 'after' && m.type === 'complete'));
    expect(raw.received.find((m) => m.id === 'after')).toEqual({ id: 'after', type: 'next', payload: { data: { __typename: 'Query' } } });
  });

  it('one user holds at most SUBSCRIPTION_MAX_CONNECTIONS_PER_USER (10) sockets; the next is closed with 4429', async () => {
    const guest = await signUp('Hoarder');
    const first = Array.from({ length: 10 }, () => open(guest.token));
    await Promise.all(first.map((c) => c.connected));
    const eleventh = open(guest.token);
    expect(await eleventh.closed).toBe(4429);
    // Another user is not affected, and a closed socket frees a slot.
    const other = await signUp('Neighbour');
    await open(other.token).connected;
    await first[0]!.dispose();
    await waitForStats(stack.gatewayUrl, (s) => s.connections === 10);
    await open(guest.token).connected;
    expect((await subscriptionStats(stack.gatewayUrl)).connections).toBe(11);
  });

  it('errors of queries and mutations over the socket are results; the socket and its subscriptions stay up', async () => {
    const guest = await signUp('Errant');
    const { homestayId, sn } = await book(guest.token, 'Errors cottage');
    const conn = open(guest.token);
    const watch = subscribe(conn, LEAN, { sn });
    await waitForStats(stack.gatewayUrl, (s) => s.hub.listeners === 1);
    let closed = false;
    void conn.closed.then(() => (closed = true));

    const notFound = subscribe(conn, `{ order(sn: "HSO2026120100000000N") { sn } }`);
    await notFound.settled();
    expect(notFound.completed).toBe(true);
    expect(notFound.results).toHaveLength(1);
    expect(notFound.results[0]!.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

    const badInput = subscribe(conn, `mutation($input: CreateHomestayOrderInput!) { createHomestayOrder(input: $input) { sn } }`, {
      input: { homestayId, checkIn: '2001-01-01', checkOut: '2001-01-02', guests: 1 },
    });
    await badInput.settled();
    expect(badInput.completed).toBe(true);
    expect(badInput.results[0]!.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const partial = subscribe(conn, `{ me { nickname } order(sn: "HSO2026120100000000N") { sn } }`);
    await partial.settled();
    expect(partial.results[0]!.data).toEqual({ me: { nickname: 'Errant' }, order: null });
    expect(partial.results[0]!.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

    // The same as over HTTP.
    const http = await gql(`{ me { nickname } order(sn: "HSO2026120100000000N") { sn } }`, {}, { token: guest.token, url: stack.graphqlUrl });
    expect({ data: http.data, code: http.errors?.[0]?.extensions?.code }).toEqual({
      data: partial.results[0]!.data,
      code: 'NOT_FOUND',
    });

    // The subscription opened before the errors still delivers.
    await gql(CANCEL, { sn }, { token: guest.token });
    const [current, event] = await watch.waitFor(2);
    expect(current!.data.orderStateChanged).toEqual({ to: 'WAIT_PAY', order: { sn } });
    expect(event!.data.orderStateChanged).toEqual({ to: 'CANCELLED', order: { sn } });
    expect(closed).toBe(false);
  });

  it('one event for a user with many subscriptions runs the payload query once per distinct selection', async () => {
    const guest = await signUp('Fanout');
    const { homestayId, sn } = await book(guest.token, 'Fan-out farm');
    const conn = open(guest.token);
    const full = Array.from({ length: 20 }, (_, i) => subscribe(conn, FULL, i % 2 ? { sn } : {}));
    const other = Array.from({ length: 10 }, () => subscribe(conn, OTHER));
    await waitForStats(stack.gatewayUrl, (s) => s.hub.listeners === 30);
    // The subscriptions to the one order have their current state (each its own query) first.
    for (const [i, s] of full.entries()) if (i % 2) await s.waitFor(1);
    const label = 'operation="OrderStateChangedPayload"';
    const before = await metric('graphql_requests_total', label);

    await gql(CANCEL, { sn }, { token: guest.token });
    for (const [i, s] of full.entries()) {
      const e = (await s.waitFor(i % 2 ? 2 : 1)).at(-1);
      expect(e!.data.orderStateChanged.order).toMatchObject({ sn, state: 'CANCELLED', homestay: { title: 'Fan-out farm' }, user: { nickname: 'Fanout' } });
    }
    for (const s of other) expect((await s.waitFor(1))[0]!.data.orderStateChanged.order.homestay.id).toBe(homestayId);
    // Two distinct selections (FULL with or without the sn variable is the same query), 30 subscriptions.
    expect(await metric('graphql_requests_total', label)).toBe(before + 2);
  });
});
