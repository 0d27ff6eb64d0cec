import { paymentDatabase } from './database.js';
import { readFileSync } from 'node:fs';
import express from 'express';
import { gql } from 'graphql-tag';
import { openDatabase } from '../../lib/database.js';
import { config } from '../../lib/config.js';
import { internalRoutes } from './internal.js';
import { onShutdown } from '../../lib/lifecycle.js';
import { createRedis } from '../../lib/redis.js';
import { openRateLimits } from '../../lib/rate-limits.js';
import { enterRequestContext, requestSpan } from '../../lib/http-server.js';
import { startSubgraph } from '../../lib/subgraph-server.js';
import { outboxBacklog, registerCollector } from '../../lib/metrics.js';
import { createContext, type PaymentDeps } from './context.js';

import { callbackBodyError, withoutSandbox } from '../../contracts/payment.js';
import { OutboxRelay } from './outbox-relay.js';
import type { PaymentProvider } from './provider/provider.js';
import { SandboxProvider } from './provider/sandbox.js';
import { resolvers } from './resolvers.js';
import { PaymentService, type NoticeOutcome } from './service.js';
import type { EntityManager } from '../../lib/database.js';

const fullTypeDefs = gql(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));


/** CONTRACT.md: every reply of the callback is a plain `SUCCESS` or `FAIL`. */
const REPLY: Record<NoticeOutcome | 'signature' | 'malformed', [number, string]> = {
  accepted: [200, 'SUCCESS'],
  unchanged: [200, 'SUCCESS'],
  signature: [401, 'FAIL'],
  malformed: [400, 'FAIL'],
  'amount-mismatch': [400, 'FAIL'],
  'unknown-payment': [404, 'FAIL'],
};

export async function startPaymentService() {
  const cfg = config();
  const orm = await openDatabase(paymentDatabase);
  onShutdown(() => orm.close());
  const redis = createRedis();
  onShutdown(() => redis.quit().catch(() => undefined));
  // payOrder counts in Redis from the first call (PaymentService.payOrder).
  await openRateLimits();

  const sandbox = new SandboxProvider(cfg.paymentSandboxSecret);
  const providers: PaymentProvider[] = [sandbox];
  const provider = sandbox;
  let relay: OutboxRelay | undefined;
  const deps: PaymentDeps = { orm, provider, sandbox: cfg.isProduction ? null : sandbox, onOutboxWrite: () => relay?.wake() };
  const service = (em: EntityManager = orm.em.fork() as EntityManager) => new PaymentService(em, provider, deps.onOutboxWrite);
  const typeDefs = cfg.isProduction ? withoutSandbox(fullTypeDefs) : fullTypeDefs;
  const res = withoutSandboxResolvers(cfg.isProduction);

  const subgraph = await startSubgraph({
    name: 'payment',
    typeDefs,
    resolvers: res,
    context: createContext(deps),
    ready: async () => void (await orm.em.getConnection().execute('select 1')),
    publicRoutes: (app) => {
      for (const p of providers) {
        // The provider signs the raw bytes: read them untouched, whatever the content type.
        app.post(`/payments/notify/${p.routeName}`, requestSpan('payment'), express.raw({ type: () => true, limit: '64kb' }), enterRequestContext, async (req: express.Request, res: express.Response) => {
          const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
          const verified = p.verifyCallback(raw, req.headers);
          let outcome: keyof typeof REPLY;
          try {
            outcome = verified.ok ? await service().applyNotice(verified.notice) : verified.reason;
          } catch (err) {
            subgraph.log.error({ err }, 'payment callback failed');
            // Not acknowledged: the provider calls again later.
            res.status(500).type('text/plain').send('FAIL');
            return;
          }
          if (outcome !== 'accepted' && outcome !== 'unchanged') subgraph.log.warn({ outcome, provider: p.payMode }, 'payment callback refused');
          const [status, body] = REPLY[outcome];
          res.status(status).type('text/plain').send(body);
        }, callbackBodyError);
      }
      // A provider this service does not have: a plain 404 FAIL (not the signed-context check's 401
      // below); a misconfigured callback URL or a scanner, worth a line but not an error.
      app.post('/payments/notify/:provider', (req, res) => {
        subgraph.log.info({ provider: String(req.params.provider).slice(0, 64) }, 'payment callback for an unknown provider');
        res.status(404).type('text/plain').send('FAIL');
      });
    },
    internalRoutes: internalRoutes(service),
  });

  relay = new OutboxRelay(orm, redis, subgraph.log.child({ part: 'outbox-relay' }));
  relay.start();
  // outbox_backlog on /metrics: rows written but not yet published (read on each scrape).
  registerCollector('outbox', async () => {
    const [row] = await orm.em.fork().getConnection().execute('select count(*) as n from payment_outbox where sent_at is null');
    outboxBacklog.set({ table: 'payment_outbox' }, Number((row as { n: number | string }).n));
  });
  // Registered last, so it runs first: the relay stops before the database closes.
  onShutdown(() => relay!.stop());
  return { subgraph, relay, orm };
}

function withoutSandboxResolvers(production: boolean) {
  if (!production) return resolvers;
  const { sandboxPay: _omit, ...mutation } = resolvers.Mutation as Record<string, unknown>;
  return { ...resolvers, Mutation: mutation } as typeof resolvers;
}

