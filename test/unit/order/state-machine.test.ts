import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { EntityManager, MikroORM } from '../../../db/index.js';
import {
  ORDER_STATES,
  STATE_CODE,
  planTransition,
  stateOf,
  transition,
  type OrderState,
} from '../../../subgraphs/order/state-machine.js';

/** The transitions ARCHITECTURE.md allows, and nothing else. */
const ALLOWED = new Set(['WAIT_PAY>WAIT_USE', 'WAIT_PAY>CANCELLED', 'WAIT_USE>USED', 'WAIT_USE>REFUNDED', 'WAIT_USE>EXPIRED']);
const PAIRS = ORDER_STATES.flatMap((from) => ORDER_STATES.map((to) => [from, to] as [OrderState, OrderState]));
const expected = (from: OrderState, to: OrderState) => (from === to ? 'noop' : ALLOWED.has(`${from}>${to}`) ? 'apply' : 'impossible');

describe('order state machine (pure plan)', () => {
  it('keeps looklook trade_state codes', () => {
    expect(STATE_CODE).toEqual({ CANCELLED: -1, WAIT_PAY: 0, WAIT_USE: 1, USED: 2, REFUNDED: 3, EXPIRED: 4 });
    for (const s of ORDER_STATES) expect(stateOf(STATE_CODE[s])).toBe(s);
    expect(() => stateOf(9)).toThrow();
  });

  it.each(PAIRS)('%s → %s', (from, to) => {
    expect(planTransition(from, to).kind).toBe(expected(from, to));
  });
});

describe('order state machine (guarded UPDATE on the real database)', () => {
  let orm: MikroORM;
  let em: EntityManager;
  const prefix = `HSOT${Date.now().toString().slice(-9)}`;
  let seq = 0;

  async function insertOrder(state: OrderState): Promise<string> {
    const sn = `${prefix}${String(++seq).padStart(6, '0')}`;
    await em.getConnection().execute(
      `insert into homestay_order (sn, user_id, homestay_id, title, info, people_num, row_type, food_price, homestay_price,
        market_homestay_price, homestay_business_id, homestay_user_id, live_start_date, live_end_date, live_people_num,
        homestay_total_price, food_total_price, order_total_price, trade_state, pay_deadline)
       values (?, 1, 1, 't', '', 2, 0, 0, 100, 100, 1, 1, '2030-01-01', '2030-01-02', 1, 100, 0, 100, ?, ?)`,
      [sn, STATE_CODE[state], new Date(Date.now() + 60_000)],
    );
    return sn;
  }
  async function row(sn: string) {
    const [r] = await em.getConnection().execute<{ trade_state: number; version: number; closed_at: string | null }[]>(
      'select trade_state, version, closed_at from homestay_order where sn = ?',
      [sn],
    );
    // Raw rows carry DATETIME as text, in UTC (the ORM's connection time zone).
    const closedAt = r!.closed_at ? new Date(`${String(r!.closed_at).replace(' ', 'T')}Z`) : null;
    return { state: stateOf(r!.trade_state), version: r!.version, closedAt };
  }

  beforeAll(async () => {
    process.env.NAMESPACE = inject('namespace');
    const { openDatabase } = await import('../../../db/index.js');
    orm = await openDatabase('order');
    em = orm.em.fork() as EntityManager;
  });
  afterAll(async () => {
    await em?.getConnection().execute('delete from homestay_order where sn like ?', [`${prefix}%`]);
    await orm?.close();
  });

  it.each(PAIRS)('%s → %s', async (from, to) => {
    const sn = await insertOrder(from);
    const closedAt = new Date('2030-01-01T00:00:00.123Z');
    const kind = expected(from, to);
    if (kind === 'impossible') {
      await expect(transition(em, sn, to, { closedAt })).rejects.toMatchObject({ extensions: { code: 'CONFLICT' } });
      expect(await row(sn)).toMatchObject({ state: from, version: 0, closedAt: null });
      return;
    }
    const result = await transition(em, sn, to, { closedAt });
    expect(result).toEqual({ changed: kind === 'apply', from, to, userId: '1' });
    const after = await row(sn);
    expect(after.state).toBe(to);
    expect(after.version).toBe(kind === 'apply' ? 1 : 0);
    expect(after.closedAt?.getTime() ?? null).toBe(kind === 'apply' ? closedAt.getTime() : null);
    // Repeating the transition is a no-op.
    expect(await transition(em, sn, to, { closedAt: new Date() })).toEqual({ changed: false, from: to, to, userId: '1' });
    expect((await row(sn)).version).toBe(after.version);
  });

  it('reports a missing order as null', async () => {
    expect(await transition(em, 'HSO-missing', 'CANCELLED')).toBeNull();
  });

  it('lets exactly one of two racing transitions out of WAIT_PAY win', async () => {
    for (let i = 0; i < 10; i++) {
      const sn = await insertOrder('WAIT_PAY');
      const results = await Promise.allSettled([
        transition(orm.em.fork() as EntityManager, sn, 'CANCELLED'),
        transition(orm.em.fork() as EntityManager, sn, 'WAIT_USE', { paidAt: new Date() }),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled' && r.value?.changed);
      const refused = results.filter((r) => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(refused).toHaveLength(1);
      expect((refused[0] as PromiseRejectedResult).reason.extensions.code).toBe('CONFLICT');
      expect((await row(sn)).version).toBe(1);
    }
  });

  it('makes one change when the same transition races with itself', async () => {
    const sn = await insertOrder('WAIT_PAY');
    const results = await Promise.all(Array.from({ length: 8 }, () => transition(orm.em.fork() as EntityManager, sn, 'CANCELLED')));
    expect(results.filter((r) => r?.changed)).toHaveLength(1);
    expect((await row(sn)).version).toBe(1);
  });
});
