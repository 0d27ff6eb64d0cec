import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { CONTEXT_HEADER, signContext } from '../../lib/internal-auth.js';
import { internalSecret, processUrl, testNamespace } from './gql.js';

/**
 * Homestay test data, written straight into the test run's homestay database (a landlord must be
 * a real user: pass the id that signUp() returned). Every helper returns ids as strings.
 */
export async function homestayDb(): Promise<mysql.Connection> {
  return mysql.createConnection({
    uri: process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306',
    database: `${testNamespace()}_homestay`,
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
  });
}

/** A city name no other test uses, so a filtered list holds only this test's homestays. */
export const uniqueCity = (prefix = 'City') => `${prefix}-${randomBytes(4).toString('hex')}`;

export async function createBusiness(db: mysql.Connection, landlordId: string, fields: { title?: string; goodBusiness?: boolean } = {}): Promise<string> {
  const [res] = await db.query<mysql.ResultSetHeader>(
    'insert into homestay_business (title, user_id, info, boss_info, star, tags, cover, header_img, row_state) values (?, ?, ?, ?, ?, ?, ?, ?, 1)',
    [fields.title ?? 'Test Business', landlordId, 'info', 'boss info', 4.5, 'quiet,view', 'https://img.example/b.jpg', 'https://img.example/h.jpg'],
  );
  const id = String(res.insertId);
  if (fields.goodBusiness) {
    await db.query("insert into homestay_activity (row_type, data_id, row_status) values ('goodBusiness', ?, 1)", [id]);
  }
  return id;
}

export interface HomestayFixture {
  businessId: string;
  landlordId: string;
  title?: string;
  city?: string;
  peopleNum?: number;
  roomCount?: number;
  price?: number;
  foodPrice?: number;
  onSale?: boolean;
  preferred?: boolean;
  perPerson?: boolean;
}

export async function createHomestay(db: mysql.Connection, f: HomestayFixture): Promise<string> {
  const [res] = await db.query<mysql.ResultSetHeader>(
    `insert into homestay (title, sub_title, banner, info, city, people_num, room_count, homestay_business_id, user_id,
       row_state, row_type, food_info, food_price, homestay_price, market_homestay_price)
     values (?, 'sub', ?, 'info', ?, ?, ?, ?, ?, ?, ?, 'breakfast', ?, ?, ?)`,
    [
      f.title ?? 'Test Homestay',
      'https://img.example/1.jpg,https://img.example/2.jpg',
      f.city ?? 'Testville',
      f.peopleNum ?? 2,
      f.roomCount ?? 1,
      f.businessId,
      f.landlordId,
      f.onSale === false ? 0 : 1,
      f.perPerson ? 1 : 0,
      f.foodPrice ?? 2000,
      f.price ?? 30000,
      Math.round((f.price ?? 30000) * 1.2),
    ],
  );
  const id = String(res.insertId);
  if (f.preferred !== false) {
    await db.query("insert into homestay_activity (row_type, data_id, row_status) values ('preferredHomestay', ?, 1)", [id]);
  }
  return id;
}

/** POSTs to one of the homestay service's /internal routes, as the order service would. */
export async function callInternal(path: string, body: unknown, headers: Record<string, string> = { [CONTEXT_HEADER]: signContext({ service: 'order' }, internalSecret()) }) {
  const res = await fetch(`${processUrl('homestay')}/internal${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as any };
}

let snSeq = 0;
export const uniqueSn = (prefix = 'T') => `${prefix}${Date.now().toString(36)}${randomBytes(3).toString('hex')}${++snSeq}`;
