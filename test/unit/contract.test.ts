import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderRoutes, parseOrderStateEvent } from '../../contracts/order.js';
import { parsePaymentStatusEvent, paymentRoutes } from '../../contracts/payment.js';
import { UnrecoverableError } from 'bullmq';
import { CloseOrderJob } from '../../contracts/queues.js';
import { call, checkedJob, serve } from '../../lib/contract.js';
import { ServiceUnavailableError } from '../../lib/internal-client.js';

/**
 * The contract helpers on a real HTTP server in this process (no other service): a request outside
 * the contract never reaches the handler, a reply outside it never reaches the caller, and a
 * malformed message is skipped, whichever side or transport.
 */
let url = '';
let server: ReturnType<express.Express['listen']>;
const seen: unknown[] = [];
let reply: unknown = null;

beforeAll(async () => {
  const app = express();
  app.use(express.json());
  const router = express.Router();
  serve(router, orderRoutes.transition, async (b) => {
    seen.push(b);
    return reply as never;
  });
  serve(router, paymentRoutes.closeForOrder, async (b) => {
    seen.push(b);
    return { outcome: 'open' as const };
  });
  app.use('/internal', router);
  await new Promise<void>((resolve) => (server = app.listen(0, '127.0.0.1', () => resolve())));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Both routes belong to services whose URL the caller takes from its config.
  process.env.ORDER_URL = url;
  process.env.PAYMENT_URL = url;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function post(path: string, body: unknown) {
  const res = await fetch(`${url}/internal${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
}

const view = {
  sn: 'HSO1',
  userId: '7',
  homestayId: '3',
  businessId: '2',
  title: 'Sea view',
  state: 'WAIT_USE',
  total: 12300,
  checkIn: '2027-01-01',
  checkOut: '2027-01-03',
  tradeCode: 'ab12cd34',
  paidAt: '2026-12-01T10:00:00.000Z',
  payDeadline: '2026-12-01T10:30:00.000Z',
};

describe('an internal route serves only requests inside its contract', () => {
  it('refuses a request outside the contract with BAD_USER_INPUT naming the field; the handler never runs', async () => {
    seen.length = 0;
    const wrongState = await post('/orders/transition', { sn: 'HSO1', to: 'WAIT_PAY' });
    expect(wrongState.status).toBe(400);
    expect(wrongState.body.error).toEqual({ code: 'BAD_USER_INPUT', message: 'to: to must be WAIT_USE, USED, REFUNDED or CANCELLED', argumentName: 'to' });
    const noSn = await post('/orders/transition', { to: 'WAIT_USE' });
    expect(noSn.status).toBe(400);
    expect(noSn.body.error?.message).toMatch(/^sn: /);
    const badInstant = await post('/orders/transition', { sn: 'HSO1', to: 'WAIT_USE', paidAt: 'yesterday' });
    expect(badInstant.body.error?.message).toBe('paidAt: must be an ISO 8601 instant');
    const notAnObject = await post('/payments/close-for-order', ['HSO1']);
    expect(notAnObject.status).toBe(400);
    expect(seen).toEqual([]);
  });

  it('hands the handler the parsed request', async () => {
    seen.length = 0;
    reply = { changed: true, order: view };
    await post('/orders/transition', { sn: 'HSO1', to: 'WAIT_USE', paidAt: view.paidAt, extra: 'dropped' });
    expect(seen).toEqual([{ sn: 'HSO1', to: 'WAIT_USE', paidAt: view.paidAt }]);
    // A guest's cancel needs no deadline; the close job's must carry one.
    expect((await post('/payments/close-for-order', { orderSn: 'HSO1', byGuest: true })).status).toBe(200);
    expect((await post('/payments/close-for-order', { orderSn: 'HSO1' })).status).toBe(400);
  });
});

describe('a caller accepts only replies inside the contract', () => {
  it('returns a reply that matches', async () => {
    reply = { changed: true, order: view };
    await expect(call('jobs', orderRoutes.transition, { sn: 'HSO1', to: 'WAIT_USE' })).resolves.toEqual({ changed: true, order: view });
  });

  it('treats a reply outside the contract as the service being unavailable (retried later), never as data', async () => {
    reply = { changed: true, order: { ...view, state: 'PAID' } };
    const err = await call('jobs', orderRoutes.transition, { sn: 'HSO1', to: 'WAIT_USE' }).catch((e) => e);
    expect(err).toBeInstanceOf(ServiceUnavailableError);
    expect(err.message).toMatch(/order \/orders\/transition replied outside its contract/);
    expect(err.message).toMatch(/order\.state/);
  });
});

describe('messages (Kafka, Redis) outside the contract are skipped', () => {
  const event = { eventId: 'e1', orderSn: 'HSO1', paymentSn: 'PMT1', payStatus: 'SUCCESS', amount: 12300, paidAt: '2026-12-01T10:00:00.000Z' };
  it('parses a payment event and refuses every malformed variant', () => {
    expect(parsePaymentStatusEvent(JSON.stringify(event))).toEqual(event);
    expect(parsePaymentStatusEvent(Buffer.from(JSON.stringify(event)))).toEqual(event);
    for (const bad of [
      { ...event, payStatus: 'PAID' },
      { ...event, amount: 1.5 },
      { ...event, paidAt: 'soon' },
      { ...event, eventId: '' },
      { ...event, eventId: 'x'.repeat(65) },
      { ...event, orderSn: undefined },
    ]) {
      expect(parsePaymentStatusEvent(JSON.stringify(bad))).toBeNull();
    }
    expect(parsePaymentStatusEvent('{not json')).toBeNull();
    expect(parsePaymentStatusEvent(null)).toBeNull();
  });

  it('parses an order state change and refuses a malformed one', () => {
    const change = { id: 'c1', sn: 'HSO1', userId: '7', from: 'WAIT_PAY', to: 'WAIT_USE', at: '2026-12-01T10:00:00.000Z' };
    expect(parseOrderStateEvent(JSON.stringify(change))).toEqual(change);
    expect(parseOrderStateEvent(JSON.stringify({ ...change, id: undefined }))).toEqual({ ...change, id: undefined });
    expect(parseOrderStateEvent(JSON.stringify({ ...change, to: 'EXPIRED' }))).toBeNull();
    expect(parseOrderStateEvent(JSON.stringify({ ...change, userId: 7 }))).toBeNull();
    expect(parseOrderStateEvent('')).toBeNull();
  });
});

describe('queued jobs outside the contract fail at once', () => {
  it('runs the processor only on data inside the contract; anything else is an UnrecoverableError (no retries)', async () => {
    const ran: string[] = [];
    const processor = checkedJob(CloseOrderJob, async (job) => void ran.push(job.data.sn));
    await processor({ name: 'close-order', id: '1', data: { sn: 'HSO1' } } as never);
    for (const data of [{}, { sn: '' }, { sn: 'HSO1 ; drop' }, { sn: 'HSO1', trace: { traceparent: 1 } }]) {
      const err = await processor({ name: 'close-order', id: '2', data } as never).catch((e) => e);
      expect(err).toBeInstanceOf(UnrecoverableError);
      expect(err.message).toMatch(/^job close-order 2 is outside its contract/);
    }
    expect(ran).toEqual(['HSO1']);
  });
});
