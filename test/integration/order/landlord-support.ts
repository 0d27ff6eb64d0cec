import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { gql, internalPost, signUp, testNamespace } from '../../support/gql.js';
import { createBusiness, createHomestay, homestayDb } from '../../support/homestay-fixtures.js';
import { CREATE, query, stay, waitFor } from './support.js';

/**
 * The landlord side of orders: a signed-up landlord with a business and homestays (written in the
 * homestay database), paid orders of guests on them, and the settle-record job on demand.
 */
export type Account = Awaited<ReturnType<typeof signUp>>;

export interface Landlord {
  account: Account;
  businessId: string;
  homestayIds: string[];
}

/** A new landlord with one business and `homestays` homestays (plenty of rooms, 25000 cents a night). */
export async function landlordWith(homestays = 1, nickname = 'Landlord'): Promise<Landlord> {
  const account = await signUp(nickname);
  const db = await homestayDb();
  try {
    const businessId = await createBusiness(db, account.userId);
    const homestayIds: string[] = [];
    for (let i = 0; i < homestays; i++) {
      homestayIds.push(await createHomestay(db, { businessId, landlordId: account.userId, title: `Room ${i + 1}`, roomCount: 100, peopleNum: 4, price: 25000, foodPrice: 3000 }));
    }
    return { account, businessId, homestayIds };
  } finally {
    await db.end();
  }
}

/** POSTs to the order service's internal API as the payment service does. */
export const orderInternal = (path: string, body: unknown) => internalPost('order', path, body, 'payment');

export interface Booked {
  sn: string;
  total: number;
  checkIn: string;
  checkOut: string;
}

/** Books `homestayId` for a stay starting `fromToday` days from today (1 guest, no food). */
export async function bookStay(guestToken: string, homestayId: string, fromToday = 0, nights = 2): Promise<Booked> {
  const r = await gql(CREATE, { input: { homestayId, ...stay(fromToday, nights), guests: 1 } }, { token: guestToken });
  if (!r.data?.createHomestayOrder) throw new Error(`booking failed: ${JSON.stringify(r.errors)}`);
  const o = r.data.createHomestayOrder;
  return { sn: o.sn, total: o.total, checkIn: o.checkIn, checkOut: o.checkOut };
}

/** Books and pays (the payment service's transition to WAIT_USE, which gives the order its trade code). */
export async function paidStay(guestToken: string, homestayId: string, fromToday = 0, nights = 2): Promise<Booked & { tradeCode: string }> {
  const o = await bookStay(guestToken, homestayId, fromToday, nights);
  const paid = await orderInternal('/orders/transition', { sn: o.sn, to: 'WAIT_USE' });
  if (paid.status !== 200) throw new Error(`paying failed: ${JSON.stringify(paid.body)}`);
  return { ...o, tradeCode: paid.body.order.tradeCode };
}

/** Moves a stay into the past, so that it has ended (no booking can be made in the past). */
export async function endStay(sn: string, startedDaysAgo = 4, endedDaysAgo = 2): Promise<void> {
  await query(
    testNamespace(),
    'order',
    'update homestay_order set live_start_date = date_sub(curdate(), interval ? day), live_end_date = date_sub(curdate(), interval ? day) where sn = ?',
    [startedDaysAgo, endedDaysAgo, sn],
  );
}

export const orderRow = async (sn: string) => (await query(testNamespace(), 'order', 'select * from homestay_order where sn = ?', [sn]))[0]!;
export const settleRecords = (sn: string) => query(testNamespace(), 'order', 'select * from settle_record where order_sn = ?', [sn]);

/** Adds settle-record jobs (as its scheduler does every minute) and waits until they ran. */
export async function runSettleJob(times = 1): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  const queue = new Queue('settle-record', { prefix: testNamespace(), connection: redis });
  try {
    const jobs = await Promise.all(Array.from({ length: times }, () => queue.add('settle', {})));
    await waitFor(
      async () => Promise.all(jobs.map((j) => queue.getJobState(j.id!))),
      (states) => states.every((s) => s === 'completed'),
      60_000,
    );
  } finally {
    await queue.close();
    redis.disconnect();
  }
}
