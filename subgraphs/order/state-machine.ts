import type { EntityManager } from '../../db/index.js';
import { conflict } from '../../lib/errors.js';
import { ORDER_STATES, type OrderState } from '../../lib/order-events.js';

export { ORDER_STATES, type OrderState };

/**
 * The order state machine (ARCHITECTURE.md "Order states"), the only code that changes an order's
 * state. Every transition is one guarded UPDATE (`WHERE sn = ? AND trade_state = <from>`), so two
 * racing transitions cannot both win; a repeated transition is a no-op; an impossible one is a
 * CONFLICT.
 */

/** looklook's trade_state codes. */
export const STATE_CODE: Record<OrderState, number> = {
  CANCELLED: -1,
  WAIT_PAY: 0,
  WAIT_USE: 1,
  USED: 2,
  REFUNDED: 3,
  EXPIRED: 4,
};
const BY_CODE = new Map(Object.entries(STATE_CODE).map(([name, code]) => [code, name as OrderState]));

export function stateOf(code: number): OrderState {
  const s = BY_CODE.get(Number(code));
  if (!s) throw new Error(`unknown trade_state ${code}`);
  return s;
}

/** The transitions that exist: to → the one state it may come from. WAIT_PAY is only ever the start. */
export const TRANSITIONS: Record<OrderState, OrderState | null> = {
  WAIT_PAY: null,
  WAIT_USE: 'WAIT_PAY',
  CANCELLED: 'WAIT_PAY',
  USED: 'WAIT_USE',
  REFUNDED: 'WAIT_USE',
  EXPIRED: 'WAIT_USE',
};

export type Plan = { kind: 'noop' } | { kind: 'apply'; from: OrderState } | { kind: 'impossible' };

/** What moving an order in `current` to `to` means; pure, so it is tested for every pair. */
export function planTransition(current: OrderState, to: OrderState): Plan {
  if (current === to) return { kind: 'noop' };
  if (TRANSITIONS[to] === current) return { kind: 'apply', from: current };
  return { kind: 'impossible' };
}

export const canTransition = (from: OrderState, to: OrderState) => planTransition(from, to).kind === 'apply';

/** Columns a transition writes besides the state. */
export interface TransitionFields {
  paidAt?: Date;
  tradeCode?: string;
  closedAt?: Date;
}

export interface TransitionResult {
  changed: boolean;
  from: OrderState;
  to: OrderState;
  /** The order's owner (for the state-change event). */
  userId: string;
}

const COLUMN: Record<keyof TransitionFields, string> = { paidAt: 'paid_at', tradeCode: 'trade_code', closedAt: 'closed_at' };

/**
 * Moves order `sn` to `to` with one guarded UPDATE. When another writer moved the order in
 * between, the current state is read again and planned again (at most a few times: every real
 * move goes forward, so this ends). A missing order is reported as null.
 *
 * Given an EntityManager inside a transaction, it runs in that transaction and reads the row
 * `for update`: what the caller writes next commits with the move or not at all, and a racing
 * transition waits for the commit (a plain read would see the transaction's stale snapshot).
 */
export async function transition(em: EntityManager, sn: string, to: OrderState, fields: TransitionFields = {}): Promise<TransitionResult | null> {
  const conn = em.getConnection();
  const trx = em.getTransactionContext();
  for (let attempt = 0; attempt < 5; attempt++) {
    const rows = await conn.execute<{ trade_state: number; user_id: string | number }[]>(
      `select trade_state, user_id from homestay_order where sn = ? and del_state = 0${trx ? ' for update' : ''}`,
      [sn],
      'all',
      trx,
    );
    if (!rows.length) return null;
    const current = stateOf(rows[0]!.trade_state);
    const userId = String(rows[0]!.user_id);
    const plan = planTransition(current, to);
    if (plan.kind === 'noop') return { changed: false, from: current, to, userId };
    if (plan.kind === 'impossible') throw conflict(`order ${sn} cannot go from ${current} to ${to}`);
    const sets = ['trade_state = ?', 'version = version + 1', 'update_time = current_timestamp'];
    const params: unknown[] = [STATE_CODE[to]];
    for (const [key, value] of Object.entries(fields) as [keyof TransitionFields, unknown][]) {
      if (value === undefined) continue;
      sets.push(`${COLUMN[key]} = ?`);
      params.push(value);
    }
    const res = await conn.execute<{ affectedRows: number }>(
      `update homestay_order set ${sets.join(', ')} where sn = ? and trade_state = ? and del_state = 0`,
      [...params, sn, STATE_CODE[plan.from]],
      'run',
      trx,
    );
    if (res.affectedRows === 1) return { changed: true, from: plan.from, to, userId };
  }
  throw conflict(`order ${sn} is changing concurrently; try again`);
}
