import { randomInt } from 'node:crypto';
import mysql from 'mysql2/promise';
import { signSandboxBody } from '../../../subgraphs/payment/provider/sandbox.js';
import { gql, type GqlResult } from '../../support/gql.js';

/** Payment test helpers: fixtures in the namespace's databases, bookings and callbacks through a gateway. */
const MYSQL_URL = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
export const SANDBOX_SECRET = process.env.PAYMENT_SANDBOX_SECRET ?? 'looklook-dev-sandbox-secret';

export async function query<T = Record<string, any>>(namespace: string, service: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const conn = await mysql.createConnection({ uri: MYSQL_URL, database: `${namespace}_${service}`, timezone: 'Z', dateStrings: true, supportBigNumbers: true, bigNumberStrings: true });
  try {
    return (await conn.query(sql, params))[0] as T[];
  } finally {
    await conn.end();
  }
}

/** A homestay on sale with plenty of rooms (a business and a landlord of its own). */
export async function createHomestay(namespace: string, price = 25000): Promise<string> {
  const landlord = String(randomInt(1e9, 9e9));
  const b = (await query(namespace, 'homestay', 'insert into homestay_business (title, user_id) values (?, ?)', ['Pay business', landlord])) as any;
  const h = (await query(
    namespace,
    'homestay',
    `insert into homestay (title, sub_title, banner, info, people_num, room_count, homestay_business_id, user_id, row_state,
      row_type, food_info, food_price, homestay_price, market_homestay_price)
     values ('Lakeside room', 'sub', 'https://img.example/c.jpg', 'info', 4, 1000, ?, ?, 1, 0, 'breakfast', 3000, ?, ?)`,
    [b.insertId, landlord, price, price + 5000],
  )) as any;
  return String(h.insertId);
}

function ymd(d: Date) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: process.env.APP_TIMEZONE ?? 'Asia/Shanghai' }).format(d);
}
/** A stay starting `fromToday` days from today, `nights` long. */
export function stay(fromToday: number, nights: number) {
  const day = 86_400_000;
  return { checkIn: ymd(new Date(Date.now() + fromToday * day)), checkOut: ymd(new Date(Date.now() + (fromToday + nights) * day)) };
}

type Opts = { url?: string };
export async function book(token: string, homestayId: string, opts: Opts & { fromToday?: number; nights?: number } = {}) {
  const r = await gql(
    `mutation($input: CreateHomestayOrderInput!) { createHomestayOrder(input: $input) { sn state total } }`,
    { input: { homestayId, ...stay(opts.fromToday ?? 1 + randomInt(0, 300), opts.nights ?? 2), guests: 2 } },
    { token, url: opts.url },
  );
  if (!r.data?.createHomestayOrder) throw new Error(`booking failed: ${JSON.stringify(r.errors)}`);
  return r.data.createHomestayOrder as { sn: string; state: string; total: number };
}

export const PAY = `mutation($sn: ID!) { payOrder(orderSn: $sn) { sn orderSn amount status } }`;
export async function payOrder(token: string, sn: string, opts: Opts = {}) {
  const r = await gql(PAY, { sn }, { token, url: opts.url });
  if (!r.data?.payOrder) throw new Error(`payOrder failed: ${JSON.stringify(r.errors)}`);
  return r.data.payOrder as { sn: string; orderSn: string; amount: number; status: string };
}

export const ORDER = `query($sn: ID!) { order(sn: $sn) { sn state paidAt tradeCode payments { sn status amount } } }`;
export async function readOrder(token: string, sn: string, opts: Opts = {}): Promise<GqlResult> {
  return gql(ORDER, { sn }, { token, url: opts.url });
}

/** Sends the sandbox provider's callback to `baseUrl` (the gateway): signed unless told otherwise. */
export async function callback(
  baseUrl: string,
  notice: { paymentSn: string; amount: number; status?: string; transactionId?: string },
  opts: { signature?: string | null; secret?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; text: string }> {
  const body = JSON.stringify({ transactionId: `TX${notice.paymentSn}`, status: 'SUCCESS', ...notice });
  const signature = opts.signature === undefined ? signSandboxBody(body, opts.secret ?? SANDBOX_SECRET) : opts.signature;
  const res = await fetch(`${baseUrl}/payments/notify/sandbox`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signature ? { 'X-Sandbox-Signature': signature } : {}), ...opts.headers },
    body,
  });
  return { status: res.status, text: await res.text() };
}

export async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

export const NOTIFICATIONS = `{ me { notifications(first: 50) { kind title body } } }`;

/**
 * A namespace of the test file's own (`<run namespace><suffix>`) with the payment database
 * migrated, for tests that drive an outbox relay directly: no relay of the shared stack publishes
 * its rows. `close()` drops it again (unless KEEP_TEST_DATA).
 */
export async function ownPaymentNamespace(suffix: string) {
  const { inject } = await import('vitest');
  const ns = `${inject('namespace')}${suffix}`;
  process.env.NAMESPACE = ns;
  const db = await import('../../../lib/database.js');
  const { paymentDatabase } = await import('../../../subgraphs/payment/database.js');
  await db.migrateDatabase(paymentDatabase);
  const orm = await db.openDatabase(paymentDatabase);
  const redis = (await import('../../../lib/redis.js')).createRedis();
  return {
    ns,
    orm,
    redis,
    async close() {
      redis.disconnect();
      await orm.close();
      if (!process.env.KEEP_TEST_DATA) {
        const { cleanupNamespace } = await import('../../support/cleanup.js');
        await cleanupNamespace(ns).catch(() => undefined);
      }
    },
  };
}

/** A logger that says nothing, for relays driven by a test. */
export const silentLog = { info() {}, warn() {}, error() {}, debug() {}, child: () => silentLog } as never;
