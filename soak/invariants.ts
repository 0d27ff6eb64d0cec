import { Queue } from 'bullmq';
import { QUEUES } from '../contracts/queues.js';
import { queueOptions } from '../lib/queues.js';
import { todayIn } from '../lib/dates.js';
import { Kafka, logLevel } from 'kafkajs';
import { config } from '../lib/config.js';
import { group, topic } from '../lib/kafka.js';
import { createRedis } from '../lib/redis.js';
import type { Databases } from './db.js';
import type { Ledger } from './ledger.js';
import type { ChannelWitness, Subscriber } from './subscribers.js';

/**
 * The invariants of issue 11, read straight from the four databases, Kafka and what the
 * subscribers received, once the system has settled. Each gives one line; a violation lists a
 * few examples under it.
 */
export interface Check {
  name: string;
  /** What was looked at, for the line. */
  scope: string;
  violations: string[];
  /** Things worth knowing that are not violations. */
  notes?: string[];
}

/** trade_state codes; PENDING and FAILED are the booking saga's internal ones (EXPIRED exists only before it). */
const STATE: Record<number, string> = { [-1]: 'CANCELLED', 0: 'WAIT_PAY', 1: 'WAIT_USE', 2: 'USED', 3: 'REFUNDED', 4: 'EXPIRED', 10: 'PENDING', 11: 'FAILED' };
/** May hold nights: an order, or a booking still in its saga. */
const LIVE = new Set([0, 1, 2, 4, 10]);
/** Must hold all its nights. */
const HOLDING = new Set([0, 1, 2, 4]);
const PAY: Record<number, string> = { [-1]: 'FAILED', 0: 'WAITING', 1: 'SUCCESS', 2: 'REFUNDED' };
/** DATETIME(3) columns are UTC (MikroORM forceUtcTimezone). */
const instant = (s: string | null) => (s ? Date.parse(`${s.replace(' ', 'T')}Z`) : null);
const DAY = 86_400_000;

function nightsOf(checkIn: string, checkOut: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${checkIn}T00:00:00Z`); t < Date.parse(`${checkOut}T00:00:00Z`); t += DAY) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

interface OrderRow {
  sn: string;
  user_id: string;
  homestay_id: string;
  trade_state: number;
  start: string;
  end: string;
  pay_deadline: string;
  paid_at: string | null;
  closed_at: string | null;
  /** update_time, read as UTC: only to tell when the last change happened, roughly. */
  updated: string;
  total: number;
  /** Cents a refund gave back (set when the order became REFUNDED; 0 is a refund of nothing). */
  refund_amount: number | null;
}
interface PaymentRow {
  sn: string;
  order_sn: string;
  pay_status: number;
  pay_time: string | null;
  pay_total: number;
  /** Holds its order's live slot (the payment that pays the order, or did). */
  live: boolean;
  refund_amount: number | null;
}
interface HeldRow {
  sn: string;
  homestay_id: string;
  night: string;
}

/** One read of everything the checks compare. */
export interface Snapshot {
  orders: Map<string, OrderRow>;
  payments: PaymentRow[];
  held: HeldRow[];
  inventory: { homestay_id: string; night: string; reserved: number; room_count: number; held: number }[];
  heldWithoutInventory: { homestay_id: string; night: string; n: number }[];
  notifications: { user_id: string; dedupe_key: string }[];
  settlements: { order_sn: string; n: number; amount: number }[];
  /** REFUNDED events the payment service wrote, per payment: each is one refund through the provider. */
  refundEvents: Map<string, number>;
  unsentOutbox: number;
  /** Unsent rows of the order service's state-change record (absent before the booking saga). */
  unsentOrderChanges: number;
  lag: number | null;
}

/** Whether a table exists in one of the namespace's databases (the schema moved with issue 11's fixes). */
async function hasTable(db: Databases, service: 'order' | 'payment', table: string): Promise<boolean> {
  const [r] = await db.query<{ n: number }>(service, 'select count(*) as n from information_schema.tables where table_schema = database() and table_name = ?', [table]);
  return Number(r!.n) > 0;
}

export async function snapshot(db: Databases): Promise<Snapshot> {
  // settle_record moved to the order database (written in the WAIT_USE → USED transaction).
  const settleIn = (await hasTable(db, 'order', 'settle_record')) ? 'order' : 'payment';
  const orderChanges = await hasTable(db, 'order', 'order_state_change');
  const orders = await db.query<OrderRow>(
    'order',
    `select sn, user_id, homestay_id, trade_state, date_format(live_start_date, '%Y-%m-%d') as start, date_format(live_end_date, '%Y-%m-%d') as end,
       pay_deadline, paid_at, closed_at, update_time as updated, order_total_price as total, refund_amount from homestay_order where del_state = 0`,
  );
  const [payments, held, inventory, heldWithoutInventory, notifications, settlements, unsent, unsentChanges, lag, refundEvents] = await Promise.all([
    db.query<PaymentRow>(
      'payment',
      'select sn, order_sn, pay_status, pay_time, pay_total, live_order_sn is not null as live, refund_amount from third_payment where del_state = 0 order by id',
    ),
    db.query<HeldRow>('homestay', `select sn, homestay_id, date_format(night, '%Y-%m-%d') as night from homestay_reservation where state = 0`),
    db.query<Snapshot['inventory'][number]>(
      'homestay',
      `select i.homestay_id, date_format(i.night, '%Y-%m-%d') as night, i.reserved, h.room_count,
         (select count(*) from homestay_reservation r where r.homestay_id = i.homestay_id and r.night = i.night and r.state = 0) as held
       from homestay_inventory i join homestay h on h.id = i.homestay_id`,
    ),
    db.query<Snapshot['heldWithoutInventory'][number]>(
      'homestay',
      `select r.homestay_id, date_format(r.night, '%Y-%m-%d') as night, count(*) as n from homestay_reservation r
       left join homestay_inventory i on i.homestay_id = r.homestay_id and i.night = r.night
       where r.state = 0 and i.id is null group by r.homestay_id, r.night`,
    ),
    db.query<Snapshot['notifications'][number]>('user', 'select user_id, dedupe_key from notification'),
    db.query<Snapshot['settlements'][number]>(settleIn, 'select order_sn, count(*) as n, min(amount) as amount from settle_record group by order_sn'),
    db.query<{ n: number }>('payment', 'select count(*) as n from payment_outbox where sent_at is null'),
    orderChanges ? db.query<{ n: number }>('order', 'select count(*) as n from order_state_change where sent_at is null') : [{ n: 0 }],
    consumerLag(),
    // Sent rows stay 7 days, so every refund of the run is still there.
    db.query<{ payload: string }>('payment', `select payload from payment_outbox where payload like '%"payStatus":"REFUNDED"%'`),
  ]);
  const refundsPerPayment = new Map<string, number>();
  for (const e of refundEvents) {
    const paymentSn = String((JSON.parse(e.payload) as { paymentSn: string }).paymentSn);
    refundsPerPayment.set(paymentSn, (refundsPerPayment.get(paymentSn) ?? 0) + 1);
  }
  const cents = (n: unknown) => (n === null || n === undefined ? null : Number(n));
  return {
    orders: new Map(orders.map((o) => [o.sn, { ...o, trade_state: Number(o.trade_state), total: Number(o.total), refund_amount: cents(o.refund_amount) }])),
    payments: payments.map((p) => ({ ...p, pay_status: Number(p.pay_status), pay_total: Number(p.pay_total), live: Number(p.live) === 1, refund_amount: cents(p.refund_amount) })),
    held,
    inventory: inventory.map((i) => ({ ...i, reserved: Number(i.reserved), room_count: Number(i.room_count), held: Number(i.held) })),
    heldWithoutInventory,
    notifications,
    settlements: settlements.map((s) => ({ ...s, n: Number(s.n), amount: Number(s.amount) })),
    refundEvents: refundsPerPayment,
    unsentOutbox: Number(unsent[0]!.n),
    unsentOrderChanges: Number(unsentChanges[0]!.n),
    lag,
  };
}

/** Messages of the payment topic the consumer group has not committed yet (null: Kafka did not answer). */
export async function consumerLag(): Promise<number | null> {
  // Quiet: right after the broker restarts, the group coordinator moves and kafkajs logs each retry.
  const admin = new Kafka({ clientId: 'soak-check', brokers: config().kafkaBrokers, logLevel: logLevel.NOTHING, retry: { retries: 3 } }).admin();
  try {
    await admin.connect();
    const t = topic('paymentUpdatePayStatus');
    if (!(await admin.listTopics()).includes(t)) return 0;
    const ends = await admin.fetchTopicOffsets(t);
    const [committed] = await admin.fetchOffsets({ groupId: group('paymentUpdatePayStatus'), topics: [t] });
    let lag = 0;
    for (const p of ends) {
      const c = Number(committed?.partitions.find((x) => x.partition === p.partition)?.offset ?? -1);
      lag += Number(p.high) - (c >= 0 ? c : Number(p.low));
    }
    return lag;
  } catch {
    return null;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** BullMQ jobs of the order and notify queues still to run (the system has not settled while any are). */
export async function pendingJobs(): Promise<number> {
  const connection = createRedis();
  try {
    let n = 0;
    for (const name of [QUEUES.closeOrder, QUEUES.paySuccessNotify]) {
      const q = new Queue(name, queueOptions(connection));
      const c = await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
      n += Object.values(c).reduce((a, b) => a + b, 0);
      await q.close();
    }
    return n;
  } finally {
    connection.disconnect();
  }
}

/** A refund that gave back less than the whole stay leaves the rest to the business (settled once the stay has ended). */
const owesSettlement = (o: OrderRow) => o.trade_state === 3 && o.refund_amount !== null && o.refund_amount < o.total;

/** What keeps the system from being settled; empty once sweeps, relays, consumers and jobs are done. */
export async function unsettled(s: Snapshot): Promise<string[]> {
  const left: string[] = [];
  const today = todayIn();
  const os = [...s.orders.values()];
  const waitPay = os.filter((o) => o.trade_state === 0).length;
  if (waitPay) left.push(`${waitPay} WAIT_PAY orders`);
  const pending = os.filter((o) => o.trade_state === 10).length;
  if (pending) left.push(`${pending} PENDING bookings`);
  const settled = new Set(s.settlements.map((r) => r.order_sn));
  const due = os.filter((o) => (o.trade_state === 1 || owesSettlement(o)) && o.end < today && !settled.has(o.sn)).length;
  if (due) left.push(`${due} orders due for settlement`);
  // A guest's refund whose money has not gone back yet: the order sweep asks the payment service again.
  const refunding = new Set(s.payments.filter((p) => p.live && p.pay_status === 1).map((p) => p.order_sn));
  const owed = os.filter((o) => o.trade_state === 3 && (o.refund_amount ?? 0) > 0 && refunding.has(o.sn)).length;
  if (owed) left.push(`${owed} refunds not yet paid back`);
  const orphans = new Set(s.held.filter((h) => !LIVE.has(s.orders.get(h.sn)?.trade_state ?? -1)).map((h) => h.sn)).size;
  if (orphans) left.push(`${orphans} reservations without a live order`);
  if (s.unsentOutbox) left.push(`${s.unsentOutbox} unsent outbox rows`);
  if (s.unsentOrderChanges) left.push(`${s.unsentOrderChanges} unsent order state changes`);
  if (s.lag !== 0) left.push(`consumer lag ${s.lag ?? 'unknown'}`);
  const jobs = await pendingJobs().catch(() => -1);
  if (jobs !== 0) left.push(`${jobs < 0 ? 'unknown' : jobs} queued jobs`);
  return left;
}

export function checkAll(s: Snapshot, ledger: Ledger, subscribers: Subscriber[], witness: ChannelWitness): Check[] {
  return [rooms(s), holds(s), money(s, ledger), messages(s), outbox(s), watched(s, subscribers, witness, ledger)];
}

function rooms(s: Snapshot): Check {
  const v: string[] = [];
  for (const i of s.inventory) {
    if (i.held > i.room_count) v.push(`homestay ${i.homestay_id} night ${i.night}: ${i.held} reservations held for ${i.room_count} rooms`);
    if (i.reserved > i.room_count) v.push(`homestay ${i.homestay_id} night ${i.night}: counter ${i.reserved} above ${i.room_count} rooms`);
    if (i.reserved !== i.held) v.push(`homestay ${i.homestay_id} night ${i.night}: counter ${i.reserved}, reservations held ${i.held}`);
  }
  for (const h of s.heldWithoutInventory) v.push(`homestay ${h.homestay_id} night ${h.night}: ${h.n} reservations held, no counter`);
  const homestays = new Set(s.inventory.map((i) => i.homestay_id)).size;
  return { name: 'rooms', scope: `${s.inventory.length} nights of ${homestays} homestays: none above roomCount, counters = held reservations`, violations: v };
}

function holds(s: Snapshot): Check {
  const v: string[] = [];
  const bySn = new Map<string, HeldRow[]>();
  for (const h of s.held) (bySn.get(h.sn) ?? bySn.set(h.sn, []).get(h.sn)!).push(h);
  for (const [sn, rows] of bySn) {
    const o = s.orders.get(sn);
    if (!o) v.push(`${sn} holds ${rows.length} nights and has no order`);
    else if (!LIVE.has(o.trade_state)) v.push(`${sn} holds ${rows.length} nights and is ${STATE[o.trade_state]}`);
  }
  let live = 0;
  const now = Date.now();
  for (const o of s.orders.values()) {
    if (o.trade_state === 10) v.push(`${o.sn} is still PENDING: its booking never finished`);
    if (!HOLDING.has(o.trade_state)) continue;
    live += 1;
    const want = nightsOf(o.start, o.end);
    const have = (bySn.get(o.sn) ?? []).filter((h) => String(h.homestay_id) === String(o.homestay_id)).map((h) => h.night);
    const missing = want.filter((n) => !have.includes(n));
    if (missing.length) v.push(`${o.sn} (${STATE[o.trade_state]}) does not hold ${missing.length} of its ${want.length} nights`);
    if (o.trade_state === 0 && instant(o.pay_deadline)! < now) v.push(`${o.sn} is still WAIT_PAY ${Math.round((now - instant(o.pay_deadline)!) / 1000)}s after its deadline`);
  }
  return { name: 'holds', scope: `${bySn.size} orders hold nights, ${live} live orders: every hold has a live order, every live order holds all its nights`, violations: v };
}

function money(s: Snapshot, ledger: Ledger): Check {
  const v: string[] = [];
  const notes: string[] = [];
  const byOrder = new Map<string, PaymentRow[]>();
  for (const p of s.payments) (byOrder.get(p.order_sn) ?? byOrder.set(p.order_sn, []).get(p.order_sn)!).push(p);
  let tookMoney = 0;
  let refundedByPlatform = 0;
  let refundedForGuests = 0;
  let duplicatesReturned = 0;
  const paidInTime = { deadline: 0, cancel: 0 };
  for (const [sn, ps] of byOrder) {
    const o = s.orders.get(sn);
    const took = ps.filter((p) => p.pay_status === 1 || p.pay_status === 2);
    tookMoney += took.length;
    // A provider can capture a second payment (a late SUCCESS after FAILED); returning it is right, keeping it is not.
    const kept = ps.filter((p) => p.pay_status === 1);
    if (kept.length > 1) v.push(`${sn}: ${kept.length} payments kept money (${kept.map((p) => p.sn).join(', ')})`);
    if (took.length > 1 && kept.length === 1) duplicatesReturned += 1;
    for (const p of ps) {
      if (ledger.captured.has(p.sn) && p.pay_status !== 1 && p.pay_status !== 2) {
        v.push(`${p.sn} of ${sn}: the provider captured it (acknowledged SUCCESS), the platform shows it ${PAY[p.pay_status]}: the money is neither used nor returned`);
      }
    }
    for (const p of took) {
      // A guest's refund that gave back nothing keeps the payment of its (REFUNDED) order.
      const keptByRefundOfNothing = p.live && o?.trade_state === 3 && o.refund_amount === 0;
      if (p.pay_status === 1 && !keptByRefundOfNothing && !(o && (o.trade_state === 1 || o.trade_state === 2))) {
        v.push(`${p.sn} kept the money of ${sn}, which is ${o ? STATE[o.trade_state] : 'missing'}${o?.trade_state === 3 ? ` (refund ${o.refund_amount})` : ''}`);
      }
      const refunds = s.refundEvents.get(p.sn) ?? 0;
      if (refunds > 1) v.push(`${p.sn} of ${sn} was refunded ${refunds} times`);
      if (p.pay_status === 2 && p.refund_amount !== null && p.refund_amount > p.pay_total) v.push(`${p.sn} of ${sn} refunded ${p.refund_amount}, more than the ${p.pay_total} it took`);
      if (p.pay_status === 2 && !ledger.refundRequested.has(p.sn) && o) {
        // The order's own refund (the guest's requestRefund): held to the order's amount below.
        if (p.live && o.trade_state === 3 && (o.refund_amount ?? 0) > 0) {
          refundedForGuests += 1;
          continue;
        }
        refundedByPlatform += 1;
        // Another payment paid the order: this one was a duplicate, and returning it is right.
        if (kept.some((k) => k.sn !== p.sn) && (o.trade_state === 1 || o.trade_state === 2)) continue;
        // Confirmed while the order could still take it: before the deadline, and before any close.
        const closedAt = instant(o.closed_at);
        const deadline = instant(o.pay_deadline)!;
        const paidAt = instant(p.pay_time);
        const by = Math.min(deadline, closedAt ?? Infinity);
        if (paidAt !== null && paidAt < by) {
          const byGuest = closedAt !== null && closedAt < deadline;
          paidInTime[byGuest ? 'cancel' : 'deadline'] += 1;
          const how = byGuest ? 'cancelled by its guest' : 'closed at its deadline';
          v.push(`${p.sn} confirmed ${((deadline - paidAt) / 1000).toFixed(1)}s before the deadline of ${sn}, refunded: the order was ${how} ${closedAt ? `${((closedAt - paidAt) / 1000).toFixed(1)}s after the payment` : ''}`.trim());
        }
      }
    }
  }
  for (const o of s.orders.values()) {
    const ps = byOrder.get(o.sn) ?? [];
    if (o.trade_state === 1 && !ps.some((p) => p.pay_status === 1)) v.push(`${o.sn} is WAIT_USE without a successful payment (${ps.map((p) => PAY[p.pay_status]).join(', ') || 'none'})`);
    if (o.trade_state === 2 && !ps.some((p) => p.pay_status === 1 || p.pay_status === 2)) v.push(`${o.sn} is USED and no payment took its money`);
    if (o.trade_state === 2 && ps.some((p) => p.pay_status === 2)) notes.push(`${o.sn} was refunded by the provider after it was settled (USED)`);
    if (o.trade_state === 3) {
      // Exactly what the order decided went back through its live payment: all or part of it
      // (REFUNDED, refund_amount equal), or nothing (the payment kept, SUCCESS).
      const live = ps.find((p) => p.live);
      const paid = live ? `${live.sn} is ${PAY[live.pay_status]}${live.refund_amount !== null ? ` refunded ${live.refund_amount}` : ''}` : 'no payment holds it';
      if (o.refund_amount === null) v.push(`${o.sn} is REFUNDED without a refund amount (${paid})`);
      else if (!live) v.push(`${o.sn} is REFUNDED (${o.refund_amount}) and ${paid}`);
      else if (o.refund_amount === 0 ? live.pay_status !== 1 : live.pay_status !== 2 || live.refund_amount !== o.refund_amount) {
        const more = live.refund_amount !== null && live.refund_amount > o.refund_amount ? ': refunded more than the order gives back' : '';
        v.push(`${o.sn} is REFUNDED giving back ${o.refund_amount}; its payment ${paid}${more}`);
      }
    }
  }
  notes.unshift(
    `${refundedByPlatform} payments refunded by the platform (${paidInTime.deadline} paid in time and closed at the deadline, ${paidInTime.cancel} paid before the guest's cancel, ${duplicatesReturned} second captures returned), ${refundedForGuests} refunded at their guest's request, ${ledger.refundRequested.size} refunds sent by the provider`,
  );
  return {
    name: 'money',
    scope: `${s.payments.length} payments, ${tookMoney} took money (${ledger.captured.size} captured): at most one kept per order, each paid its order or was refunded (once), none paid in time was refunded, a REFUNDED order's payment gave back exactly its refund`,
    violations: v,
    notes,
  };
}

function messages(s: Snapshot): Check {
  const v: string[] = [];
  const keys = new Map<string, { user: string; kinds: string[] }>();
  for (const n of s.notifications) {
    const [kind, sn] = n.dedupe_key.split(/:(.*)/s) as [string, string];
    const e = keys.get(sn) ?? keys.set(sn, { user: String(n.user_id), kinds: [] }).get(sn)!;
    e.kinds.push(kind);
    if (e.user !== String(n.user_id)) v.push(`${sn}: messages to two users`);
  }
  let paid = 0;
  for (const o of s.orders.values()) {
    const got = keys.get(o.sn);
    if (o.paid_at) {
      paid += 1;
      const pair = got?.kinds.filter((k) => k === 'pay-success').length === 1 && got.kinds.filter((k) => k === 'check-in-code').length === 1 && got.kinds.length === 2;
      if (!pair) v.push(`${o.sn} (paid, ${STATE[o.trade_state]}) has messages [${got?.kinds.join(', ') ?? ''}]`);
      else if (got.user !== String(o.user_id)) v.push(`${o.sn}: messages went to user ${got.user}, not ${o.user_id}`);
    } else if (got) {
      v.push(`${o.sn} was never paid (${STATE[o.trade_state]}) and has messages [${got.kinds.join(', ')}]`);
    }
  }
  // Settlement (the shared rule of issue 13): one record per order once its stay has ended, for a
  // USED order and for a REFUNDED one that gave back less than its total; the business gets the
  // total less what was given back. A REFUNDED order that gave everything back is never settled.
  let settled = 0;
  const recorded = new Set<string>();
  const today = todayIn();
  for (const r of s.settlements) {
    recorded.add(r.order_sn);
    settled += 1;
    const o = s.orders.get(r.order_sn);
    if (r.n > 1) v.push(`${r.order_sn}: ${r.n} settlements`);
    if (!o) v.push(`${r.order_sn}: settled, no such order`);
    else if (o.trade_state === 3 && !owesSettlement(o)) v.push(`${r.order_sn}: settled and REFUNDED in full (${o.refund_amount ?? 'no amount'} of ${o.total})`);
    else if (o.trade_state !== 2 && o.trade_state !== 3) v.push(`${r.order_sn}: settled and ${STATE[o.trade_state]}`);
    else if (r.amount !== o.total - (o.refund_amount ?? 0)) v.push(`${r.order_sn} (${STATE[o.trade_state]}): settled ${r.amount}, not total ${o.total} less refund ${o.refund_amount ?? 0}`);
  }
  for (const o of s.orders.values()) {
    if (recorded.has(o.sn) || o.end >= today) continue;
    if (o.trade_state === 2) v.push(`${o.sn} is USED without a settlement after its stay ended`);
    if (owesSettlement(o)) v.push(`${o.sn} is REFUNDED giving back ${o.refund_amount} of ${o.total}, and its ended stay is not settled`);
  }
  return {
    name: 'messages',
    scope: `${paid} paid orders with one pair of messages each; ${settled} settlements, at most one per order, each of its total less any refund, none for an order refunded in full`,
    violations: v,
  };
}

function outbox(s: Snapshot): Check {
  const v: string[] = [];
  if (s.unsentOutbox) v.push(`${s.unsentOutbox} outbox rows never sent`);
  if (s.unsentOrderChanges) v.push(`${s.unsentOrderChanges} order state changes never published`);
  if (s.lag === null) v.push('the consumer group lag could not be read');
  else if (s.lag) v.push(`consumer group lag ${s.lag}`);
  return { name: 'outbox', scope: `outbox unsent ${s.unsentOutbox}, order changes unsent ${s.unsentOrderChanges}, consumer lag ${s.lag ?? '?'}`, violations: v };
}

function watched(s: Snapshot, subscribers: Subscriber[], witness: ChannelWitness, ledger: Ledger): Check {
  const v: string[] = [];
  let orders = 0;
  let events = 0;
  for (const sub of subscribers) {
    events += sub.events;
    for (const sn of sub.heard.keys()) {
      orders += 1;
      const last = sub.last(sn);
      const o = s.orders.get(sn);
      const final = o ? STATE[o.trade_state] : 'missing';
      if (last === final) continue;
      // When the order last changed: closed_at is exact, update_time a rough second (paid_at is the payment's time, not the order's change).
      const changedAt = o ? (o.trade_state === -1 ? instant(o.closed_at) : instant(o.updated)) : null;
      const when = changedAt === null ? '' : sub.wasAway(changedAt) ? ', changed while the subscriber was reconnecting' : ', changed while the subscriber was connected';
      const onChannel = (witness.published.get(sn) ?? []).map((e) => e.to);
      const why = onChannel.includes(final) ? `${final} was published on Redis` : `${final} never reached the Redis channel (published: ${onChannel.join(' → ') || 'nothing'})`;
      const heard = (sub.heard.get(sn) ?? []).map((e) => e.to).join(' → ') || 'nothing';
      v.push(`${sn} (plan ${ledger.orders.get(sn)?.plan ?? '?'}): subscriber on gateway ${sub.side} heard ${heard}, the order is ${final}${when}; ${why}`);
    }
  }
  const reconnects = subscribers.reduce((n, x) => n + Math.max(0, x.connects - 1), 0);
  const resubscribes = subscribers.reduce((n, x) => n + x.resubscribes, 0);
  const errors = subscribers.flatMap((x) => x.errors);
  return {
    name: 'subscribers',
    scope: `${subscribers.length} subscribers watched ${orders} orders (${events} events, ${reconnects} reconnects): last state heard = final state`,
    violations: v,
    notes: resubscribes || errors.length ? [`${resubscribes} subscriptions ended by the server and made again; errors: ${[...new Set(errors)].slice(0, 3).join(' | ') || 'none'}`] : [],
  };
}
