import { randomUUID } from 'node:crypto';
import type { EntityManager } from '../../lib/database.js';
import { conflict } from '../../lib/errors.js';
import { ORDER_STATES, type OrderState, type OrderStateEvent } from '../../contracts/order.js';
import type { HomestayOrder } from './entities.js';

export { ORDER_STATES, type OrderState };

/**
 * The order state machine (ARCHITECTURE.md "Order states"), the only code that changes an order's
 * state. Every transition is one guarded UPDATE (`WHERE sn = ? AND trade_state = <from>`), so two
 * racing transitions cannot both win; a repeated transition is a no-op; an impossible one is a
 * CONFLICT. A change the public can see is recorded in `order_state_change` in the same database
 * transaction as its UPDATE (events.ts delivers it from there), so no change goes unannounced.
 *
 * Two states are internal to the booking saga and never leave this service: PENDING (the booking
 * is stored, its nights are being reserved) and FAILED (a booking that never became an order).
 * An order in either reads as missing to everyone but the saga.
 */
export type TradeState = OrderState | 'PENDING' | 'FAILED';
export const INTERNAL_STATES = ['PENDING', 'FAILED'] as const satisfies readonly TradeState[];
export const TRADE_STATES: readonly TradeState[] = [...ORDER_STATES, ...INTERNAL_STATES];

/** looklook's trade_state codes; the internal ones lie outside looklook's range. */
export const STATE_CODE: Record<TradeState, number> = {
  CANCELLED: -1,
  WAIT_PAY: 0,
  WAIT_USE: 1,
  USED: 2,
  REFUNDED: 3,
  PENDING: 10,
  FAILED: 11,
};
const BY_CODE = new Map(Object.entries(STATE_CODE).map(([name, code]) => [code, name as TradeState]));

/** Codes of the rows no read shows. */
export const HIDDEN_STATE_CODES = INTERNAL_STATES.map((s) => STATE_CODE[s]);
/**
 * Codes of the orders that may still become payable: a per-user cap on unpaid orders must count
 * bookings in flight (PENDING) as well as WAIT_PAY ones, or parallel bookings would slip past it.
 */
export const UNPAID_STATE_CODES = [STATE_CODE.PENDING, STATE_CODE.WAIT_PAY];

export function stateOf(code: number): TradeState {
  const s = BY_CODE.get(Number(code));
  if (!s) throw new Error(`unknown trade_state ${code}`);
  return s;
}

export const isInternal = (s: TradeState): s is (typeof INTERNAL_STATES)[number] => s === 'PENDING' || s === 'FAILED';

/** The public state of a stored order; an internal one here is a bug (reads filter them out). */
export function publicStateOf(code: number): OrderState {
  const s = stateOf(code);
  if (isInternal(s)) throw new Error(`order in internal state ${s} reached a read`);
  return s;
}

/** The transitions that exist: to → the one state it may come from. PENDING is only ever the start. */
export const TRANSITIONS: Record<TradeState, TradeState | null> = {
  PENDING: null,
  WAIT_PAY: 'PENDING',
  FAILED: 'PENDING',
  WAIT_USE: 'WAIT_PAY',
  CANCELLED: 'WAIT_PAY',
  USED: 'WAIT_USE',
  REFUNDED: 'WAIT_USE',
};

export type Plan = { kind: 'noop' } | { kind: 'apply'; from: TradeState } | { kind: 'impossible' };

/** What moving an order in `current` to `to` means; pure, so it is tested for every pair. */
export function planTransition(current: TradeState, to: TradeState): Plan {
  if (current === to) return { kind: 'noop' };
  if (TRANSITIONS[to] === current) return { kind: 'apply', from: current };
  return { kind: 'impossible' };
}

export const canTransition = (from: TradeState, to: TradeState) => planTransition(from, to).kind === 'apply';

/** Columns a transition writes besides the state. */
/**
 * What a booking learns only from its reservation: the homestay as its nights were taken and the
 * prices. Its PENDING row is stored without them (the row must exist before the reserve is sent);
 * the confirmation writes them in its guarded UPDATE, so no public order ever lacks them.
 */
export type BookedSnapshot = Pick<
  HomestayOrder,
  | 'homestayId' | 'title' | 'subTitle' | 'cover' | 'info' | 'peopleNum' | 'rowType' | 'foodInfo' | 'foodPrice' | 'homestayPrice'
  | 'marketHomestayPrice' | 'homestayBusinessId' | 'homestayUserId' | 'cancellationPolicy' | 'homestayTotalPrice' | 'foodTotalPrice' | 'orderTotalPrice'
>;

const SNAPSHOT_COLUMN: Record<keyof BookedSnapshot, string> = {
  homestayId: 'homestay_id',
  title: 'title',
  subTitle: 'sub_title',
  cover: 'cover',
  info: 'info',
  peopleNum: 'people_num',
  rowType: 'row_type',
  foodInfo: 'food_info',
  foodPrice: 'food_price',
  homestayPrice: 'homestay_price',
  marketHomestayPrice: 'market_homestay_price',
  homestayBusinessId: 'homestay_business_id',
  homestayUserId: 'homestay_user_id',
  cancellationPolicy: 'cancellation_policy',
  homestayTotalPrice: 'homestay_total_price',
  foodTotalPrice: 'food_total_price',
  orderTotalPrice: 'order_total_price',
};

export interface TransitionFields {
  /** PENDING → WAIT_PAY only: the booking's snapshot, written with its confirmation. */
  booked?: BookedSnapshot;
  paidAt?: Date;
  tradeCode?: string;
  closedAt?: Date;
  /** null frees the key of a failed booking, so the guest's retry with it books anew. */
  idempotencyKey?: null;
  /** Cents given back (→ REFUNDED): decided with the move, so two racing refunds cannot record two amounts. */
  refundAmount?: number;
  /** The payment service has already given refundAmount back (a refund the provider made). */
  refundConfirmedAt?: Date;
}

export interface TransitionResult {
  changed: boolean;
  from: TradeState;
  to: TradeState;
  /** The order's owner. */
  userId: string;
  /** The change as recorded for subscribers, when it made one they can see. */
  event?: RecordedEvent;
}

/** A row of order_state_change: the event and its row id (for marking it sent). */
export interface RecordedEvent {
  rowId: string;
  event: OrderStateEvent & { id: string };
}

const COLUMN: Record<Exclude<keyof TransitionFields, 'booked'>, string> = {
  paidAt: 'paid_at',
  tradeCode: 'trade_code',
  closedAt: 'closed_at',
  idempotencyKey: 'idempotency_key',
  refundAmount: 'refund_amount',
  refundConfirmedAt: 'refund_confirmed_at',
};

/**
 * The event subscribers see for a change, or none: the public never saw PENDING, so confirming a
 * booking reads as the order's creation (from null) and a failed booking as nothing at all.
 */
function eventOf(sn: string, userId: string, from: TradeState, to: TradeState): (OrderStateEvent & { id: string }) | null {
  if (isInternal(to)) return null;
  return { id: randomUUID(), sn, userId, from: isInternal(from) ? null : from, to, at: new Date().toISOString() };
}

/** An order still in (or failed in) the booking saga does not exist for any public move but its confirmation. */
const hiddenFrom = (current: TradeState, to: TradeState) => isInternal(current) && !isInternal(to) && to !== 'WAIT_PAY';

/** The SET clause of a move to `to` with `fields`. */
function assignments(to: TradeState, fields: TransitionFields): { sets: string; params: unknown[] } {
  const sets = ['trade_state = ?', 'version = version + 1', 'update_time = current_timestamp'];
  const params: unknown[] = [STATE_CODE[to]];
  const { booked, ...rest } = fields;
  for (const [key, value] of Object.entries(rest) as [keyof typeof COLUMN, unknown][]) {
    if (value === undefined) continue;
    sets.push(`${COLUMN[key]} = ?`);
    params.push(value);
  }
  for (const [key, value] of Object.entries(booked ?? {}) as [keyof BookedSnapshot, unknown][]) {
    sets.push(`${SNAPSHOT_COLUMN[key]} = ?`);
    params.push(value);
  }
  return { sets: sets.join(', '), params };
}

/**
 * assignments() for many orders whose fields differ (each paid order its own paid_at and trade
 * code): each column a `case sn` over the orders. Every order must carry the same fields.
 */
function assignmentsEach(to: TradeState, sns: readonly string[], fieldsOf: (sn: string) => TransitionFields): { sets: string; params: unknown[] } {
  const sets = ['trade_state = ?', 'version = version + 1', 'update_time = current_timestamp'];
  const params: unknown[] = [STATE_CODE[to]];
  const each = sns.map(fieldsOf);
  const keys = Object.keys(each[0] ?? {}).filter((k) => each[0]![k as keyof TransitionFields] !== undefined) as (keyof typeof COLUMN)[];
  for (const fields of each) {
    const present = Object.keys(fields).filter((k) => fields[k as keyof TransitionFields] !== undefined);
    if ('booked' in fields || present.length !== keys.length || !keys.every((k) => present.includes(k))) {
      throw new Error('transitionMany: per-order fields must name the same columns, and no snapshot');
    }
  }
  for (const key of keys) {
    sets.push(`${COLUMN[key]} = case sn ${sns.map(() => 'when ? then ?').join(' ')} end`);
    sns.forEach((sn, i) => params.push(sn, each[i]![key]));
  }
  return { sets: sets.join(', '), params };
}

/**
 * Moves order `sn` to `to` with one guarded UPDATE, and records the change for subscribers in the
 * same transaction. When another writer moved the order in between, the current state is read
 * again and planned again (at most a few times: every real move goes forward, so this ends). A
 * missing order is reported as null, and so is an order still in (or failed in) the booking saga
 * when asked for any public move but its confirmation: outside the saga it does not exist.
 *
 * Given an EntityManager inside a transaction, it runs in that transaction and reads the row
 * `for update`: a racing transition waits for the commit (a plain read would see the
 * transaction's stale snapshot). The caller delivers the recorded event after its commit.
 */
export async function transition(
  em: EntityManager,
  sn: string,
  to: TradeState,
  fields: TransitionFields = {},
  /**
   * What the caller knows of the row (the booking, which has just stored it PENDING): the first
   * attempt goes straight to the guarded UPDATE, one read less; when the guess is wrong the UPDATE
   * matches nothing and the row is read as usual.
   */
  known?: { state: TradeState; userId: string },
): Promise<TransitionResult | null> {
  const conn = em.getConnection();
  const trx = em.getTransactionContext();
  // In the caller's transaction when there is one, so the change commits with what the caller
  // writes next (a settle record) or not at all; else in a transaction of its own.
  const inTransaction = <T>(fn: (tx: typeof trx) => Promise<T>): Promise<T> => (trx ? fn(trx) : conn.transactional((tx) => fn(tx)));
  for (let attempt = 0; attempt < 5; attempt++) {
    let current: TradeState;
    let userId: string;
    if (attempt === 0 && known) {
      ({ state: current, userId } = known);
    } else {
      const rows = await conn.execute<{ trade_state: number; user_id: string | number }[]>(
        `select trade_state, user_id from homestay_order where sn = ? and del_state = 0${trx ? ' for update' : ''}`,
        [sn],
        'all',
        trx,
      );
      if (!rows.length) return null;
      current = stateOf(rows[0]!.trade_state);
      userId = String(rows[0]!.user_id);
    }
    if (hiddenFrom(current, to)) return null;
    const plan = planTransition(current, to);
    if (plan.kind === 'noop') return { changed: false, from: current, to, userId };
    if (plan.kind === 'impossible') throw conflict(`order ${sn} cannot go from ${current} to ${to}`);
    const { sets, params } = assignments(to, fields);
    const event = eventOf(sn, userId, plan.from, to);
    const recorded = await inTransaction(async (tx) => {
      const res = await conn.execute<{ affectedRows: number }>(
        `update homestay_order set ${sets} where sn = ? and trade_state = ? and del_state = 0`,
        [...params, sn, STATE_CODE[plan.from]],
        'run',
        tx,
      );
      if (res.affectedRows !== 1) return false;
      if (!event) return null;
      const ins = await conn.execute<{ insertId: number | string }>(
        'insert into order_state_change (event_id, sn, payload) values (?, ?, ?)',
        [event.id, sn, JSON.stringify(event)],
        'run',
        tx,
      );
      return { rowId: String(ins.insertId), event };
    });
    if (recorded === false) continue;
    return { changed: true, from: plan.from, to, userId, ...(recorded ? { event: recorded } : {}) };
  }
  throw conflict(`order ${sn} is changing concurrently; try again`);
}

/** What transitionMany did to one order: as transition() answers, or `impossible` where it throws CONFLICT. */
export type BatchTransition = TransitionResult | null | 'impossible';

/**
 * transition() for many orders at once, all to `to` with the same fields (the close of every order
 * due at one moment): one transaction that reads the rows `for update` (in sn order, so two
 * batches sharing orders take their locks in the same order), one guarded UPDATE for every order
 * the plan moves (they all come from the one state `to` comes from) and one INSERT of their
 * events. Each order is planned on its own, exactly as transition() plans it; the rows are held,
 * so no other writer moves them in between. The caller delivers the recorded events after the commit.
 */
export async function transitionMany(
  em: EntityManager,
  sns: readonly string[],
  to: TradeState,
  /** The same for every order, or each order's own (all naming the same columns). */
  fields: TransitionFields | ((sn: string) => TransitionFields) = {},
): Promise<Map<string, BatchTransition>> {
  const unique = [...new Set(sns)].sort();
  const result = new Map<string, BatchTransition>();
  if (!unique.length) return result;
  const conn = em.getConnection();
  const marks = unique.map(() => '?').join(',');
  await conn.transactional(async (tx) => {
    result.clear();
    const rows = await conn.execute<{ sn: string; trade_state: number; user_id: string | number }[]>(
      `select sn, trade_state, user_id from homestay_order where sn in (${marks}) and del_state = 0 order by sn for update`,
      unique,
      'all',
      tx,
    );
    const found = new Map(rows.map((r) => [r.sn, r]));
    const moving: { sn: string; userId: string; from: TradeState; event: (OrderStateEvent & { id: string }) | null }[] = [];
    for (const sn of unique) {
      const row = found.get(sn);
      const current = row ? stateOf(row.trade_state) : undefined;
      if (!row || !current || hiddenFrom(current, to)) {
        result.set(sn, null);
        continue;
      }
      const userId = String(row.user_id);
      const plan = planTransition(current, to);
      if (plan.kind === 'noop') result.set(sn, { changed: false, from: current, to, userId });
      else if (plan.kind === 'impossible') result.set(sn, 'impossible');
      else moving.push({ sn, userId, from: plan.from, event: eventOf(sn, userId, plan.from, to) });
    }
    if (!moving.length) return;
    const from = TRANSITIONS[to]!;
    const { sets, params } = typeof fields === 'function' ? assignmentsEach(to, moving.map((m) => m.sn), fields) : assignments(to, fields);
    const res = await conn.execute<{ affectedRows: number }>(
      `update homestay_order set ${sets} where sn in (${moving.map(() => '?').join(',')}) and trade_state = ? and del_state = 0`,
      [...params, ...moving.map((m) => m.sn), STATE_CODE[from]],
      'run',
      tx,
    );
    // The rows are locked: anything but all of them moved is a bug, and nothing of it may commit.
    if (res.affectedRows !== moving.length) throw new Error(`moved ${res.affectedRows} of ${moving.length} held orders to ${to}`);
    const events = moving.flatMap((m) => (m.event ? [m.event] : []));
    const rowIds = new Map<string, string>();
    if (events.length) {
      await conn.execute(
        `insert into order_state_change (event_id, sn, payload) values ${events.map(() => '(?, ?, ?)').join(',')}`,
        events.flatMap((e) => [e.id, e.sn, JSON.stringify(e)]),
        'run',
        tx,
      );
      // Row ids by event id: a multi-row insert's ids need not be consecutive.
      const ids = await conn.execute<{ id: number | string; event_id: string }[]>(
        `select id, event_id from order_state_change where event_id in (${events.map(() => '?').join(',')})`,
        events.map((e) => e.id),
        'all',
        tx,
      );
      for (const r of ids) rowIds.set(r.event_id, String(r.id));
    }
    for (const m of moving) {
      result.set(m.sn, { changed: true, from: m.from, to, userId: m.userId, ...(m.event ? { event: { rowId: rowIds.get(m.event.id)!, event: m.event } } : {}) });
    }
  });
  return result;
}
