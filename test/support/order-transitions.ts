import { TRADE_STATES, type TradeState } from '../../subgraphs/order/state-machine.js';

/**
 * What the order state machine must do for every pair of states, written apart from its code so
 * that the pure plan (unit) and the guarded UPDATE (integration) are held to the same table.
 */

/** The transitions ARCHITECTURE.md allows (PENDING and FAILED are the booking saga's), and nothing else. */
const ALLOWED = new Set(['PENDING>WAIT_PAY', 'PENDING>FAILED', 'WAIT_PAY>WAIT_USE', 'WAIT_PAY>CANCELLED', 'WAIT_USE>USED', 'WAIT_USE>REFUNDED']);
export const INTERNAL = new Set<TradeState>(['PENDING', 'FAILED']);
export const PAIRS = TRADE_STATES.flatMap((from) => TRADE_STATES.map((to) => [from, to] as [TradeState, TradeState]));
/** An order inside the saga is missing to every public move but its confirmation. */
export const hidden = (from: TradeState, to: TradeState) => INTERNAL.has(from) && !INTERNAL.has(to) && to !== 'WAIT_PAY';
export const expected = (from: TradeState, to: TradeState) =>
  from === to ? 'noop' : ALLOWED.has(`${from}>${to}`) ? 'apply' : 'impossible';
