import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../support/stack.js';
import { errorCode, gql, uniqueMobile, type GqlResult } from '../support/gql.js';
import { connect, refusal, subscribe } from '../support/ws.js';
import { callback, createHomestay, PAY, query, stay, waitFor } from './payment/support.js';

/**
 * The request limits of issue 13 through real gateways, services, Redis and MySQL, in a namespace
 * of their own (so no other test file's traffic counts against these low limits):
 *
 * - stack A runs every process behind TRUST_PROXY=loopback, so each test speaks as a client
 *   address of its own through X-Forwarded-For (documentation addresses, only ever a header);
 * - gateway B, a second gateway process on A's services, trusts no proxy: everything it serves
 *   counts as 127.0.0.1, whatever X-Forwarded-For says.
 */
const namespace = `t${Date.now().toString(36)}${randomBytes(2).toString('hex')}rl`;
const LIMITS = {
  RATE_LIMIT_IP_PER_MINUTE: '30',
  RATE_LIMIT_AUTH_PER_IP: '5',
  RATE_LIMIT_LOGIN_PER_MOBILE: '3',
  RATE_LIMIT_PAY_PER_USER: '3',
};
let a: Stack;
let b: Stack;

let lastAddress = 0;
/** A client address of its own, as the trusted proxy in front of gateway A reports it. */
const newClient = () => {
  const ip = `198.51.100.${++lastAddress}`;
  return { ip, headers: { 'x-forwarded-for': ip } };
};

const REGISTER = `mutation($input: RegisterInput!) { register(input: $input) { accessToken user { id } } }`;
const LOGIN = `mutation($input: LoginInput!) { login(input: $input) { accessToken user { id } } }`;
const PASSWORD = 'correct-horse-9';

const register = (mobile: string, headers: Record<string, string>, url = a.graphqlUrl) =>
  gql(REGISTER, { input: { mobile, password: PASSWORD } }, { url, headers });
const login = (mobile: string, password: string, headers: Record<string, string>) =>
  gql(LOGIN, { input: { mobile, password } }, { url: a.graphqlUrl, headers });
async function signUp(headers: Record<string, string>) {
  const mobile = uniqueMobile();
  const r = await register(mobile, headers);
  if (!r.data?.register) throw new Error(`register failed: ${JSON.stringify(r.errors)}`);
  return { mobile, token: r.data.register.accessToken as string };
}
async function book(token: string, homestayId: string, fromToday: number, headers: Record<string, string>): Promise<string> {
  const r = await gql(
    `mutation($input: CreateHomestayOrderInput!) { createHomestayOrder(input: $input) { sn } }`,
    { input: { homestayId, ...stay(fromToday, 2), guests: 2 } },
    { token, url: a.graphqlUrl, headers },
  );
  if (!r.data?.createHomestayOrder) throw new Error(`booking failed: ${JSON.stringify(r.errors)}`);
  return r.data.createHomestayOrder.sn;
}
const usersWithMobile = async (mobile: string) =>
  Number((await query(namespace, 'user', 'select count(*) as n from `user` where mobile = ?', [mobile]))[0]!.n);

function expectRateLimited(r: GqlResult, maxRetryAfter: number) {
  expect(errorCode(r)).toBe('RATE_LIMITED');
  const retryAfter = r.errors![0]!.extensions!.retryAfter as number;
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(maxRetryAfter);
  return retryAfter;
}

beforeAll(async () => {
  process.env.NAMESPACE = namespace;
  const { migrateAll } = await import('../../scripts/migrate.js');
  await migrateAll(() => undefined);
  const { Stack } = await import('../support/stack.js');
  a = await Stack.start({ namespace, env: { ...LIMITS, TRUST_PROXY: 'loopback' } });
  b = await Stack.start({
    namespace,
    processes: ['gateway'],
    env: { ...LIMITS, USER_URL: a.url('user'), HOMESTAY_URL: a.url('homestay'), ORDER_URL: a.url('order'), PAYMENT_URL: a.url('payment') },
  });
}, 240_000);

afterAll(async () => {
  await b?.close();
  await a?.close();
  if (!process.env.KEEP_TEST_DATA) {
    const { cleanupNamespace } = await import('../support/cleanup.js');
    await cleanupNamespace(namespace).catch(() => undefined);
  }
}, 120_000);

describe('RATE_LIMIT_IP_PER_MINUTE at the gateways', () => {
  it('is shared by two gateway processes, ignores an untrusted X-Forwarded-For, answers 429 with RATE_LIMITED, and writes nothing', async () => {
    // A without X-Forwarded-For and B whatever it says: both are 127.0.0.1.
    for (let i = 0; i < 30; i++) {
      const r = i % 2 ? await gql('{ __typename }', {}, { url: b.graphqlUrl, headers: { 'x-forwarded-for': `203.0.113.${i}` } }) : await gql('{ __typename }', {}, { url: a.graphqlUrl });
      expect(r.status, `request ${i + 1}`).toBe(200);
    }
    const mobile = uniqueMobile();
    const res = await fetch(a.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: REGISTER, variables: { input: { mobile, password: PASSWORD } } }),
    });
    expect(res.status).toBe(429);
    const body = { status: res.status, ...((await res.json()) as object) } as GqlResult;
    const retryAfter = expectRateLimited(body, 60);
    expect(res.headers.get('retry-after')).toBe(String(retryAfter));
    expect(await usersWithMobile(mobile)).toBe(0);

    const onB = await gql('{ __typename }', {}, { url: b.graphqlUrl, headers: { 'x-forwarded-for': '203.0.113.200' } });
    expect(onB.status).toBe(429);
    expectRateLimited(onB, 60);
    // Another client, through the proxy A trusts, is not limited by 127.0.0.1's count.
    expect((await gql('{ __typename }', {}, { url: a.graphqlUrl, headers: newClient().headers })).status).toBe(200);
  });

  it('counts operations over the socket with the HTTP requests of the connection’s address', async () => {
    const client = newClient();
    const { token } = await signUp(client.headers); // 1
    for (let i = 0; i < 28; i++) expect((await gql('{ __typename }', {}, { url: a.graphqlUrl, headers: client.headers })).status).toBe(200);
    const conn = connect(a.wsUrl, token, { headers: client.headers });
    try {
      await conn.connected;
      const last = subscribe(conn, '{ me { id } }'); // 30
      await last.waitFor(1);
      expect(last.results[0]!.errors).toBeUndefined();
      const refused = subscribe(conn, '{ me { id } }');
      await refused.settled();
      expect(refusal(refused)).toBe('RATE_LIMITED');
      const error = (refused.errors[0] as { extensions: { retryAfter: number } }[])[0]!;
      expect(error.extensions.retryAfter).toBeGreaterThanOrEqual(1);
      expect(error.extensions.retryAfter).toBeLessThanOrEqual(60);
      // And over HTTP, the same address is limited too.
      expect((await gql('{ __typename }', {}, { url: a.graphqlUrl, headers: client.headers })).status).toBe(429);
    } finally {
      await conn.dispose();
    }
  });
});

describe('RATE_LIMIT_AUTH_PER_IP on login and register', () => {
  it('refuses the sixth sign-up or sign-in of an address within the hour, before anything is written', async () => {
    const client = newClient();
    const first = await signUp(client.headers);
    await signUp(client.headers);
    await signUp(client.headers);
    expect((await login(first.mobile, PASSWORD, client.headers)).data?.login).toBeTruthy();
    expect(errorCode(await login(first.mobile, 'wrong-password-1', client.headers))).toBe('UNAUTHENTICATED');

    const mobile = uniqueMobile();
    const refused = await register(mobile, client.headers);
    expect(expectRateLimited(refused, 3600)).toBeGreaterThan(3000);
    expect(refused.data?.register ?? null).toBeNull();
    expect(await usersWithMobile(mobile)).toBe(0);
    expectRateLimited(await login(first.mobile, PASSWORD, client.headers), 3600);

    // Another address signs up as usual.
    expect((await register(mobile, newClient().headers)).data?.register).toBeTruthy();
    expect(await usersWithMobile(mobile)).toBe(1);
  });

  it('counts a sign-up over the socket against the connection’s address', async () => {
    const client = newClient();
    const { token } = await signUp(client.headers);
    for (let i = 0; i < 4; i++) await signUp(client.headers);
    const conn = connect(a.wsUrl, token, { headers: client.headers });
    try {
      await conn.connected;
      const mobile = uniqueMobile();
      const sub = subscribe(conn, REGISTER, { input: { mobile, password: PASSWORD } });
      await sub.settled();
      expect(refusal(sub)).toBe('RATE_LIMITED');
      expect(sub.results[0]!.errors![0]!.extensions!.retryAfter).toBeGreaterThan(3000);
      expect(await usersWithMobile(mobile)).toBe(0);
    } finally {
      await conn.dispose();
    }
  });
});

describe('RATE_LIMIT_LOGIN_PER_MOBILE', () => {
  it('counts failed logins of a mobile from any address, not successful ones, then refuses even the right password', async () => {
    const { mobile } = await signUp(newClient().headers);
    const other = await signUp(newClient().headers);
    expect(errorCode(await login(mobile, 'wrong-password-1', newClient().headers))).toBe('UNAUTHENTICATED');
    expect(errorCode(await login(mobile, 'wrong-password-2', newClient().headers))).toBe('UNAUTHENTICATED');
    for (let i = 0; i < 4; i++) expect((await login(mobile, PASSWORD, newClient().headers)).data?.login, `login ${i + 1}`).toBeTruthy();
    expect(errorCode(await login(mobile, 'wrong-password-3', newClient().headers))).toBe('UNAUTHENTICATED');

    expect(expectRateLimited(await login(mobile, 'wrong-password-4', newClient().headers), 900)).toBeGreaterThan(800);
    // Past the limit the right password is refused as well: else guessing could go on.
    expectRateLimited(await login(mobile, PASSWORD, newClient().headers), 900);
    // Another mobile is not affected.
    expect((await login(other.mobile, PASSWORD, newClient().headers)).data?.login).toBeTruthy();
  });
});

describe('RATE_LIMIT_PAY_PER_USER on payOrder', () => {
  it('refuses the fourth payOrder of a user within the minute, and creates no payment', async () => {
    const client = newClient();
    const { token } = await signUp(client.headers);
    const homestayId = await createHomestay(namespace);
    const first = await book(token, homestayId, 10, client.headers);
    const second = await book(token, homestayId, 20, client.headers);
    // The same order three times (one payment, as always), then another order.
    for (let i = 0; i < 3; i++) {
      const r = await gql(PAY, { sn: first }, { token, url: a.graphqlUrl, headers: client.headers });
      expect(r.errors, `payOrder ${i + 1}`).toBeUndefined();
    }
    const refused = await gql(PAY, { sn: second }, { token, url: a.graphqlUrl, headers: client.headers });
    expectRateLimited(refused, 60);
    expect(await query(namespace, 'payment', 'select sn from third_payment where order_sn = ?', [second])).toEqual([]);
    expect(await query(namespace, 'payment', 'select sn from third_payment where order_sn = ?', [first])).toHaveLength(1);
  });
});

describe('RATE_LIMIT_PAY_PER_USER on requestRefund', () => {
  it('counts requestRefund with payOrder: past the limit a refund is RATE_LIMITED and changes nothing', async () => {
    const client = newClient();
    const { token } = await signUp(client.headers);
    const homestayId = await createHomestay(namespace);
    const sns = [await book(token, homestayId, 10, client.headers), await book(token, homestayId, 20, client.headers)];
    // Two payOrder calls, both paid by the provider.
    for (const sn of sns) {
      const r = await gql(PAY, { sn }, { token, url: a.graphqlUrl, headers: client.headers });
      expect(r.errors).toBeUndefined();
      expect(await callback(a.gatewayUrl, { paymentSn: r.data.payOrder.sn, amount: r.data.payOrder.amount })).toEqual({ status: 200, text: 'SUCCESS' });
    }
    const state = async (sn: string) => (await query(namespace, 'order', 'select trade_state, refund_amount from homestay_order where sn = ?', [sn]))[0]!;
    for (const sn of sns) await waitFor(`${sn} paid`, async () => Number((await state(sn)).trade_state) === 1, 30_000, 100);
    const REFUND = `mutation($sn: ID!) { requestRefund(orderSn: $sn) { state } }`;
    const third = await gql(REFUND, { sn: sns[0] }, { token, url: a.graphqlUrl, headers: client.headers });
    expect(third.data?.requestRefund).toEqual({ state: 'REFUNDED' });
    const refused = await gql(REFUND, { sn: sns[1] }, { token, url: a.graphqlUrl, headers: client.headers });
    expectRateLimited(refused, 60);
    expect(await state(sns[1]!)).toEqual({ trade_state: 1, refund_amount: null });
    expect(Number((await query(namespace, 'payment', 'select pay_status from third_payment where order_sn = ?', [sns[1]]))[0]!.pay_status)).toBe(1);
  });
});
