import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { EntityManager, MikroORM } from '../../../lib/database.js';
import { orderDatabase } from '../../../subgraphs/order/database.js';
import { STATE_CODE, stateOf, transition, transitionMany, type TradeState } from '../../../subgraphs/order/state-machine.js';
import { DIRECT_GRACE_MS, deliver } from '../../../subgraphs/order/events.js';
import { INTERNAL, PAIRS, expected, hidden } from '../../support/order-transitions.js';

describe('order state machine (guarded UPDATE on the real database)', () => {
  let orm: MikroORM;
  let em: EntityManager;
  const prefix = `HSOT${Date.now().toString().slice(-9)}`;
  let seq = 0;

  async function insertOrder(state: TradeState): Promise<string> {
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
  async function changes(sn: string) {
    const rows = await em.getConnection().execute<{ event_id: string; payload: string; sent_at: string | null }[]>(
      'select event_id, payload, sent_at from order_state_change where sn = ? order by id',
      [sn],
    );
    return rows.map((r) => ({ eventId: r.event_id, sent: r.sent_at !== null, event: JSON.parse(r.payload) }));
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
    const { openDatabase } = await import('../../../lib/database.js');
    orm = await openDatabase(orderDatabase);
    em = orm.em.fork() as EntityManager;
  });
  afterAll(async () => {
    await em?.getConnection().execute('delete from homestay_order where sn like ?', [`${prefix}%`]);
    await em?.getConnection().execute('delete from order_state_change where sn like ?', [`${prefix}%`]);
    await orm?.close();
  });

  it.each(PAIRS)('%s → %s', async (from, to) => {
    const sn = await insertOrder(from);
    const closedAt = new Date('2030-01-01T00:00:00.123Z');
    const kind = expected(from, to);
    if (hidden(from, to)) {
      expect(await transition(em, sn, to, { closedAt })).toBeNull();
      expect(await row(sn)).toMatchObject({ state: from, version: 0, closedAt: null });
      expect(await changes(sn)).toEqual([]);
      return;
    }
    if (kind === 'impossible') {
      await expect(transition(em, sn, to, { closedAt })).rejects.toMatchObject({ extensions: { code: 'CONFLICT' } });
      expect(await row(sn)).toMatchObject({ state: from, version: 0, closedAt: null });
      expect(await changes(sn)).toEqual([]);
      return;
    }
    const result = await transition(em, sn, to, { closedAt });
    const { event, ...rest } = result!;
    expect(rest).toEqual({ changed: kind === 'apply', from, to, userId: '1' });
    // A change the public can see is recorded with the UPDATE; confirming a booking is the order's creation.
    const recorded = await changes(sn);
    if (kind === 'apply' && !INTERNAL.has(to)) {
      const expectedEvent = { id: expect.any(String), sn, userId: '1', from: from === 'PENDING' ? null : from, to, at: expect.any(String) };
      expect(event?.event).toEqual(expectedEvent);
      expect(recorded).toEqual([{ eventId: event!.event.id, sent: false, event: expectedEvent }]);
    } else {
      expect(event).toBeUndefined();
      expect(recorded).toEqual([]);
    }
    const after = await row(sn);
    expect(after.state).toBe(to);
    expect(after.version).toBe(kind === 'apply' ? 1 : 0);
    expect(after.closedAt?.getTime() ?? null).toBe(kind === 'apply' ? closedAt.getTime() : null);
    // Repeating the transition is a no-op, and records nothing more.
    expect(await transition(em, sn, to, { closedAt: new Date() })).toEqual({ changed: false, from: to, to, userId: '1' });
    expect((await row(sn)).version).toBe(after.version);
    expect(await changes(sn)).toHaveLength(recorded.length);
  });

  it('transitionMany plans every order of a batch as transition() would, and moves each once', async () => {
    for (const to of ['CANCELLED', 'WAIT_USE'] as const) {
      const froms = PAIRS.filter(([, t]) => t === to).map(([from]) => from);
      const sns = await Promise.all(froms.map((from) => insertOrder(from)));
      const closedAt = new Date('2030-01-01T00:00:00.123Z');
      const result = await transitionMany(em, [...sns, 'HSO-missing', sns[0]!], to, to === 'CANCELLED' ? { closedAt } : { paidAt: closedAt });
      expect(result.get('HSO-missing')).toBeNull();
      for (const [i, from] of froms.entries()) {
        const sn = sns[i]!;
        const kind = expected(from, to);
        const got = result.get(sn);
        if (hidden(from, to)) expect(got).toBeNull();
        else if (kind === 'impossible') expect(got).toBe('impossible');
        else expect(got).toMatchObject({ changed: kind === 'apply', from, to, userId: '1' });
        const recorded = await changes(sn);
        if (kind === 'apply' && !hidden(from, to)) {
          expect(recorded).toEqual([{ eventId: (got as { event: { event: { id: string } } }).event.event.id, sent: false, event: expect.objectContaining({ sn, from, to }) }]);
          expect((got as { event: { rowId: string } }).event.rowId).toMatch(/^\d+$/);
          expect(await row(sn)).toMatchObject({ state: to, version: 1 });
        } else {
          expect(recorded).toEqual([]);
          expect((await row(sn)).version).toBe(0);
        }
      }
      // Again: nothing moves, nothing is recorded.
      const again = await transitionMany(em, sns, to);
      for (const sn of sns) expect((await changes(sn)).length).toBeLessThanOrEqual(1);
      expect([...again.values()].filter((r) => r && r !== 'impossible' && r.changed)).toEqual([]);
    }
  });

  it('transitionMany writes each order its own fields (the payments of one moment, each its paid_at and trade code)', async () => {
    const sns = [await insertOrder('WAIT_PAY'), await insertOrder('WAIT_PAY'), await insertOrder('CANCELLED')];
    const fields = new Map(sns.map((sn, i) => [sn, { paidAt: new Date(Date.UTC(2030, 0, 1, 0, 0, i, 7 * i)), tradeCode: `CODE${i}` }]));
    const result = await transitionMany(em, sns, 'WAIT_USE', (sn) => fields.get(sn)!);
    expect(result.get(sns[0]!)).toMatchObject({ changed: true, from: 'WAIT_PAY', to: 'WAIT_USE' });
    expect(result.get(sns[1]!)).toMatchObject({ changed: true, from: 'WAIT_PAY', to: 'WAIT_USE' });
    expect(result.get(sns[2]!)).toBe('impossible');
    const rows = await em.getConnection().execute<{ sn: string; paid_at: string; trade_code: string; trade_state: number }[]>(
      'select sn, paid_at, trade_code, trade_state from homestay_order where sn in (?, ?, ?) order by sn',
      sns,
    );
    expect(rows.map((r) => [r.sn, stateOf(r.trade_state), r.paid_at && new Date(`${String(r.paid_at).replace(' ', 'T')}Z`).toISOString(), r.trade_code])).toEqual([
      [sns[0], 'WAIT_USE', fields.get(sns[0]!)!.paidAt.toISOString(), 'CODE0'],
      [sns[1], 'WAIT_USE', fields.get(sns[1]!)!.paidAt.toISOString(), 'CODE1'],
      [sns[2], 'CANCELLED', null, null],
    ]);
    await expect(transitionMany(em, [sns[0]!], 'WAIT_USE', () => ({ paidAt: new Date() }))).resolves.toBeDefined();
    const [a, b] = [await insertOrder('WAIT_PAY'), await insertOrder('WAIT_PAY')];
    await expect(transitionMany(em, [a, b], 'WAIT_USE', (sn) => (sn === a ? { paidAt: new Date(), tradeCode: 'X' } : { paidAt: new Date() }))).rejects.toThrow(/same columns/);
    expect((await row(a)).state).toBe('WAIT_PAY');
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
      // Only the winner's change is recorded.
      expect((await changes(sn)).map((c) => c.event.to)).toEqual([(won[0] as PromiseFulfilledResult<{ to: string }>).value.to]);
    }
  });

  it('lets exactly one of a booking\'s confirmation and the sweep\'s failing win', async () => {
    for (let i = 0; i < 10; i++) {
      const sn = await insertOrder('PENDING');
      const results = await Promise.allSettled([
        // As the booking confirms: straight to the guarded UPDATE, knowing it stored the row PENDING.
        transition(orm.em.fork() as EntityManager, sn, 'WAIT_PAY', {}, { state: 'PENDING', userId: '1' }),
        transition(orm.em.fork() as EntityManager, sn, 'FAILED', { idempotencyKey: null }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled' && r.value?.changed)).toHaveLength(1);
      expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
      const { state } = await row(sn);
      expect((await changes(sn)).map((c) => c.event.to)).toEqual(state === 'WAIT_PAY' ? ['WAIT_PAY'] : []);
    }
  });

  it('reads the row after all when what the caller knew of it is no longer true', async () => {
    // The sweep failed the booking first: confirming it is refused, and nothing is recorded.
    const failed = await insertOrder('FAILED');
    await expect(transition(em, failed, 'WAIT_PAY', {}, { state: 'PENDING', userId: '1' })).rejects.toMatchObject({ extensions: { code: 'CONFLICT' } });
    expect(await row(failed)).toMatchObject({ state: 'FAILED', version: 0 });
    expect(await changes(failed)).toEqual([]);
    // Already confirmed (a retried confirmation): a no-op that tells the real owner.
    const confirmed = await insertOrder('WAIT_PAY');
    expect(await transition(em, confirmed, 'WAIT_PAY', {}, { state: 'PENDING', userId: '999' })).toEqual({ changed: false, from: 'WAIT_PAY', to: 'WAIT_PAY', userId: '1' });
    expect(await changes(confirmed)).toEqual([]);
    expect(await transition(em, 'HSO-missing', 'WAIT_PAY', {}, { state: 'PENDING', userId: '1' })).toBeNull();
  });

  it('publishes the changes of concurrent moves once each and marks every one sent soon after (marked in batches)', async () => {
    const { createRedis } = await import('../../../lib/redis.js');
    const { ORDER_STATE_CHANNEL } = await import('../../../contracts/order.js');
    const { createLogger } = await import('../../../lib/logger.js');
    const redis = createRedis();
    const sub = createRedis();
    const heard: string[] = [];
    try {
      await sub.subscribe(ORDER_STATE_CHANNEL());
      sub.on('message', (_c, m) => heard.push(JSON.parse(m).id));
      const sns = await Promise.all(Array.from({ length: 30 }, () => insertOrder('WAIT_PAY')));
      const results = await Promise.all(sns.map((sn) => transition(orm.em.fork() as EntityManager, sn, 'CANCELLED', { closedAt: new Date() })));
      await Promise.all(results.map((r) => deliver(orm.em.fork() as EntityManager, redis, createLogger('test'), r!.event!)));
      // Marked after deliver() returns (nobody waits for it), well before the relay's grace runs out.
      await expect
        .poll(async () => (await Promise.all(sns.map(changes))).flat().map((c) => c.sent), { timeout: DIRECT_GRACE_MS / 2 })
        .toEqual(sns.map(() => true));
      for (const sn of sns) expect(await changes(sn)).toHaveLength(1);
      await expect.poll(() => heard.length).toBeGreaterThanOrEqual(30);
      const ids = results.map((r) => r!.event!.event.id);
      expect(heard.filter((id) => ids.includes(id)).sort()).toEqual([...ids].sort());
    } finally {
      sub.disconnect();
      redis.disconnect();
    }
  });

  it('pays an order once and publishes its change once when the same payment is applied twice at once (one batch of paid moves)', async () => {
    // Found by CI (close.test.ts): the close job and the consumer paying one order within 2 ms
    // shared one batch, and both callers delivered the batch's one change.
    const { createRedis } = await import('../../../lib/redis.js');
    const { ORDER_STATE_CHANNEL } = await import('../../../contracts/order.js');
    const { createLogger } = await import('../../../lib/logger.js');
    const { OrderTransitions } = await import('../../../subgraphs/order/transitions.js');
    const redis = createRedis();
    const sub = createRedis();
    const heard: string[] = [];
    try {
      await sub.subscribe(ORDER_STATE_CHANNEL());
      const [sn, other] = [await insertOrder('WAIT_PAY'), await insertOrder('WAIT_PAY')];
      sub.on('message', (_c, m) => {
        const e = JSON.parse(m) as { sn: string; to: string };
        if (e.sn === sn || e.sn === other) heard.push(`${e.sn} ${e.to}`);
      });
      const mover = () => new OrderTransitions(orm.em.fork() as EntityManager, { redis, log: createLogger('test') }, undefined as never);
      const results = await Promise.all([sn, sn, other, sn].map((s) => mover().move(s, 'WAIT_USE', { paidAt: new Date() })));
      expect(results.map((r) => r.changed)).toEqual([true, false, true, false]);
      expect((await row(sn)).version).toBe(1);
      expect(await changes(sn)).toHaveLength(1);
      await expect.poll(() => heard.length).toBe(2);
      await new Promise((r) => setTimeout(r, 200));
      expect(heard.sort()).toEqual([`${other} WAIT_USE`, `${sn} WAIT_USE`].sort());
    } finally {
      sub.disconnect();
      redis.disconnect();
    }
  });

  it('makes one change when the same transition races with itself', async () => {
    const sn = await insertOrder('WAIT_PAY');
    const results = await Promise.all(Array.from({ length: 8 }, () => transition(orm.em.fork() as EntityManager, sn, 'CANCELLED')));
    expect(results.filter((r) => r?.changed)).toHaveLength(1);
    expect((await row(sn)).version).toBe(1);
  });
});
