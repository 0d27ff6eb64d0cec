import { describe, expect, it } from 'vitest';
import {
  ORDER_STATES,
  STATE_CODE,
  TRADE_STATES,
  TRANSITIONS,
  isInternal,
  planTransition,
  publicStateOf,
  stateOf,
} from '../../../subgraphs/order/state-machine.js';
import { PAIRS, expected } from '../../support/order-transitions.js';
import { ORDER_STATE_STEP } from '../../../contracts/order.js';

describe('order state machine (pure plan)', () => {
  it('gives every public state the step after the one it comes from, so an order only moves forward (what subscribers rely on)', () => {
    for (const to of ORDER_STATES) {
      const from = TRANSITIONS[to]!;
      expect(ORDER_STATE_STEP[to]).toBe(isInternal(from) ? 0 : ORDER_STATE_STEP[from] + 1);
    }
    expect(Object.keys(ORDER_STATE_STEP).sort()).toEqual([...ORDER_STATES].sort());
  });

  it('keeps looklook trade_state codes, the saga\'s outside them, and no EXPIRED', () => {
    expect(STATE_CODE).toEqual({ CANCELLED: -1, WAIT_PAY: 0, WAIT_USE: 1, USED: 2, REFUNDED: 3, PENDING: 10, FAILED: 11 });
    expect(ORDER_STATES).toEqual(['WAIT_PAY', 'WAIT_USE', 'USED', 'REFUNDED', 'CANCELLED']);
    for (const s of TRADE_STATES) expect(stateOf(STATE_CODE[s])).toBe(s);
    expect(() => stateOf(4)).toThrow();
    expect(() => publicStateOf(STATE_CODE.PENDING)).toThrow();
    expect(() => publicStateOf(STATE_CODE.FAILED)).toThrow();
  });

  it.each(PAIRS)('%s → %s', (from, to) => {
    expect(planTransition(from, to).kind).toBe(expected(from, to));
  });
});
