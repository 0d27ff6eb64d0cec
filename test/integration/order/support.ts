import { randomInt } from 'node:crypto';
import mysql from 'mysql2/promise';
import { todayIn, addDays } from '../../../lib/dates.js';

/**
 * Fixtures for the order tests. Homestays have no create mutation (they are seeded data in
 * looklook), so the tests insert them straight into the namespace's homestay database.
 */
const MYSQL_URL = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

export async function withDb<T>(namespace: string, service: string, fn: (c: mysql.Connection) => Promise<T>): Promise<T> {
  const conn = await mysql.createConnection({ uri: MYSQL_URL, database: `${namespace}_${service}`, timezone: 'Z', dateStrings: true });
  try {
    return await fn(conn);
  } finally {
    await conn.end();
  }
}

export async function query<T = Record<string, any>>(namespace: string, service: string, sql: string, params: unknown[] = []): Promise<T[]> {
  return withDb(namespace, service, async (c) => (await c.query(sql, params))[0] as T[]);
}

export interface HomestayFixture {
  price?: number;
  foodPrice?: number;
  peopleNum?: number;
  roomCount?: number;
  perPerson?: boolean;
  onSale?: boolean;
  title?: string;
}

export async function createHomestay(namespace: string, f: HomestayFixture = {}): Promise<string> {
  return withDb(namespace, 'homestay', async (c) => {
    const landlord = String(randomInt(1e9, 9e9)) + String(randomInt(1e5, 9e5));
    const [b] = (await c.query('insert into homestay_business (title, user_id) values (?, ?)', ['Test business', landlord])) as any;
    const [h] = (await c.query(
      `insert into homestay (title, sub_title, banner, info, people_num, room_count, homestay_business_id, user_id, row_state,
        row_type, food_info, food_price, homestay_price, market_homestay_price)
       values (?, 'sub', 'https://img.example/cover.jpg,https://img.example/2.jpg', 'info', ?, ?, ?, ?, ?, ?, 'breakfast', ?, ?, ?)`,
      [
        f.title ?? 'Seaside room',
        f.peopleNum ?? 4,
        f.roomCount ?? 2,
        b.insertId,
        landlord,
        f.onSale === false ? 0 : 1,
        f.perPerson ? 1 : 0,
        f.foodPrice ?? 3000,
        f.price ?? 25000,
        (f.price ?? 25000) + 5000,
      ],
    )) as any;
    return String(h.insertId);
  });
}

/** Held room reservations (nights) of a homestay, or of one order sn. */
export async function heldNights(namespace: string, where: { homestayId?: string; sn?: string }): Promise<number> {
  const [r] = where.sn
    ? await query(namespace, 'homestay', 'select count(*) as n from homestay_reservation where sn = ? and state = 0', [where.sn])
    : await query(namespace, 'homestay', 'select count(*) as n from homestay_reservation where homestay_id = ? and state = 0', [where.homestayId]);
  return Number(r!.n);
}

export async function orderRows(namespace: string, where: { userId?: string; sn?: string }) {
  return where.sn
    ? query(namespace, 'order', 'select * from homestay_order where sn = ?', [where.sn])
    : query(namespace, 'order', 'select * from homestay_order where user_id = ?', [where.userId]);
}

/** A stay starting `fromToday` days from today (APP_TIMEZONE), `nights` long. */
export function stay(fromToday: number, nights: number) {
  const checkIn = addDays(todayIn(), fromToday);
  return { checkIn, checkOut: addDays(checkIn, nights) };
}

export const ORDER_FIELDS = `sn state checkIn checkOut nights guests needFood homestayTotal foodTotal total payDeadline paidAt closedAt
  title price foodPrice remark tradeCode createdAt user { id } homestay { id }`;
export const CREATE = `mutation($input: CreateHomestayOrderInput!) { createHomestayOrder(input: $input) { ${ORDER_FIELDS} } }`;
export const CANCEL = `mutation($sn: ID!) { cancelOrder(sn: $sn) { sn state closedAt } }`;
export const ORDER = `query($sn: ID!) { order(sn: $sn) { sn state closedAt } }`;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000, stepMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await fn();
  while (!ok(last) && Date.now() < deadline) {
    await sleep(stepMs);
    last = await fn();
  }
  return last;
}

/**
 * Statements of the namespace's order database blocked on row locks (a test holding an order's
 * row, say). Read from the process list, not innodb_trx: a locking read by primary or unique key
 * waits in the optimizer ("Statistics"), where MariaDB lists no transaction for it yet.
 */
export async function orderLockWaiters(namespace: string): Promise<number> {
  const [row] = await query(
    namespace,
    'order',
    `select count(*) n from information_schema.processlist where db = ? and command = 'Query' and id <> connection_id()
       and (info like 'select%for update' or info like 'update homestay_order%')`,
    [`${namespace}_order`],
  );
  return Number(row!.n);
}
