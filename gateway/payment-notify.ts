import express from 'express';
import { config } from '../lib/config.js';
import type { Logger } from '../lib/logger.js';
import { traceCarrier } from '../lib/request-context.js';
import { enterRequestContext, requestSpan } from '../lib/http-server.js';
import { callbackBodyError } from '../contracts/payment.js';
import { postBytes } from './subgraph-fetch.js';

/** Headers a provider's callback may need besides the body (its signature above all); the trace and request id go on as well. */
const FORWARDED = ['content-type', 'x-sandbox-signature'];

/**
 * `POST /payments/notify/<provider>`: the payment provider's callback, passed to the payment service
 * untouched (the raw bytes: the signature covers them), with the payment service's reply passed back.
 */
export function mountPaymentNotify(app: express.Express, log: Logger): void {
  app.post('/payments/notify/:provider', requestSpan('gateway'), express.raw({ type: () => true, limit: '64kb' }), enterRequestContext, async (req: express.Request, res: express.Response) => {
    const provider = String(req.params.provider);
    if (!/^[a-z0-9-]{1,32}$/.test(provider)) {
      res.status(404).type('text/plain').send('FAIL');
      return;
    }
    const headers: Record<string, string> = {};
    for (const h of FORWARDED) {
      const v = req.header(h);
      if (v) headers[h] = v;
    }
    Object.assign(headers, traceCarrier());
    try {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const upstream = await postBytes(`${config().urls.payment}/payments/notify/${provider}`, headers, body, 15_000);
      res.status(upstream.status).type(upstream.contentType ?? 'text/plain').send(upstream.body);
    } catch (err) {
      log.error({ err: (err as Error).message, provider }, 'payment callback could not reach the payment service');
      // Not acknowledged: the provider calls again later.
      res.status(502).type('text/plain').send('FAIL');
    }
  }, callbackBodyError);
}
