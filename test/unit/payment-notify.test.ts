import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The gateway's `POST /payments/notify/<provider>` against a scripted payment service: the
 * provider's bytes and signature reach it untouched (the signature covers the bytes), its reply
 * comes back as it was, and a payment service that cannot be reached is answered 502 FAIL, so the
 * provider calls again later.
 */
describe('gateway payment callback route', () => {
  const received: Array<{ url: string; headers: http.IncomingHttpHeaders; body: Buffer }> = [];
  let paymentService: http.Server;
  let gateway: http.Server;
  let base: string;

  const listen = async (server: http.Server) => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  beforeAll(async () => {
    paymentService = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ url: req.url!, headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(202, { 'content-type': 'text/x-provider; charset=utf-8' }).end('SUCCESS');
      });
    });
    process.env.PAYMENT_URL = await listen(paymentService);
    // config() reads the environment once, on first use: after PAYMENT_URL is set.
    const { mountPaymentNotify } = await import('../../gateway/payment-notify.js');
    const { createLogger } = await import('../../lib/logger.js');
    const app = express();
    mountPaymentNotify(app, createLogger('gateway-test'));
    gateway = http.createServer(app);
    base = await listen(gateway);
  });
  afterAll(async () => {
    await new Promise<void>((r) => gateway.close(() => r()));
    await new Promise<void>((r) => paymentService.close(() => r()));
    const { closeAgent } = await import('../../gateway/subgraph-fetch.js');
    await closeAgent();
  });

  it('passes the raw body and signature on and the payment service reply back', async () => {
    // Not valid UTF-8 and not JSON: only the bytes themselves keep a signature valid.
    const body = Buffer.from([0x7b, 0xff, 0x00, 0xfe, 0x22, 0x7d]);
    const res = await fetch(`${base}/payments/notify/sandbox`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'x-sandbox-signature': 'sig-1', cookie: 'not-forwarded=1' },
      body,
    });
    expect([res.status, res.headers.get('content-type'), await res.text()]).toEqual([202, 'text/x-provider; charset=utf-8', 'SUCCESS']);
    const got = received.at(-1)!;
    expect(got.url).toBe('/payments/notify/sandbox');
    expect(got.body.equals(body)).toBe(true);
    expect(got.headers['x-sandbox-signature']).toBe('sig-1');
    expect(got.headers['content-type']).toBe('application/octet-stream');
    expect(got.headers.cookie).toBeUndefined();
  });

  it('answers 502 FAIL when the payment service cannot be reached', async () => {
    await new Promise<void>((r) => paymentService.close(() => r()));
    paymentService.closeAllConnections();
    const res = await fetch(`${base}/payments/notify/sandbox`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect([res.status, await res.text()]).toEqual([502, 'FAIL']);
  });
});
