import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import express from 'express';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloGateway } from '@apollo/gateway';
import { parse, print } from 'graphql';
import { withoutSandbox } from '../contracts/payment.js';
import { config, SERVICES, type ServiceName } from '../lib/config.js';
import { createLogger } from '../lib/logger.js';
import { enterRequestContext, errorHandler, formatError, requestLogPlugin, requestSpan } from '../lib/http-server.js';
import { startTracing, stopTracing } from '../lib/tracing.js';
import { initMetrics, metricsHandler, metricsPlugin } from '../lib/metrics.js';
import { closeReadiness, redisCheck, readyzHandler, type Check } from '../lib/readiness.js';
import { mountAdmin } from './admin.js';
import { mountPaymentNotify } from './payment-notify.js';
import { closeServer, createServer, listen, listenOn } from '../lib/http.js';
import { playgroundRouter } from './playground.js';
import { startSubscriptionServer } from './subscriptions.js';
import { queryLimitRules } from './query-limits.js';
import { gatewayBounds, QueryGuard, queryCostPlugin, queryGuardMiddleware } from '../lib/query-guard.js';
import { clientMistakesPlugin } from './client-mistakes.js';
import { userFromAuthorization } from './auth.js';
import { closeAgent, SignedDataSource, type GatewayContext } from './data-source.js';
import { closeRateLimits, openRateLimits } from '../lib/rate-limits.js';
import { clientAddress, requestAddress } from './client-address.js';
import { ipRateLimit } from './ip-limit.js';
import { installResultShaping } from './result-shaping.js';

const isService = (name: string): name is ServiceName => (SERVICES as readonly string[]).includes(name);

/** The supergraph as this gateway serves it: without the development-only sandboxPay in production. */
export function servedSupergraph(sdl: string, production: boolean): string {
  return production ? print(withoutSandbox(parse(sdl))) : sdl;
}

/** Builds and starts the gateway: GraphQL over HTTP plus the operational endpoints. */
export async function startGateway(port = config().ports.gateway) {
  const cfg = config();
  const log = createLogger('gateway');
  initMetrics('gateway');
  await startTracing('gateway');
  const limits = await openRateLimits();
  const app = express();
  app.disable('x-powered-by');
  // GraphQL answers are POSTed and never asked for conditionally: an ETag would hash every body for
  // nothing (1.5 % of the gateway's CPU on `me`). The playground's files keep Last-Modified.
  app.set('etag', false);
  // Whom to believe about the client's address (X-Forwarded-For): nobody unless TRUST_PROXY says.
  app.set('trust proxy', cfg.trustProxy);

  if (!installResultShaping()) log.warn('@apollo/gateway is not the version gateway/result-shaping.ts knows: answers are shaped by its stock code (slower)');
  const gateway = new ApolloGateway({
    logger: log,
    supergraphSdl: servedSupergraph(readFileSync(cfg.supergraphPath, 'utf8'), cfg.isProduction),
    // The platform's own subgraphs follow configuration (so tests and deployments can move them);
    // any other composed supergraph is served at the routing URLs it was composed with.
    buildService: ({ name, url }) =>
      isService(name)
        ? new SignedDataSource(`${cfg.urls[name]}/graphql`, cfg.internalSecret, name)
        : new SignedDataSource(url!, null, name), // never sign for (send the credential to) other subgraphs
  });

  // Listens only once every route is mounted (below).
  const httpServer: http.Server = createServer(app);
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    logger: log,
    // lib/lifecycle.ts stops the process on SIGTERM in order; Apollo's own handler would stop the
    // server first and send the signal again, which lifecycle takes as a second signal (exit 1 at once).
    stopOnTerminationSignals: false,
    introspection: !cfg.isProduction,
    csrfPrevention: true,
    validationRules: queryLimitRules(),
    // A backstop for executeOperation: queryGuardMiddleware (HTTP) and onSubscribe (socket) hold
    // clients to QUERY_MAX_TOKENS; the socket's payload queries wrap a checked selection, a few tokens more.
    parseOptions: { maxTokens: cfg.queryMaxTokens * 2 },
    includeStacktraceInErrorResponses: !cfg.isProduction,
    formatError: formatError(log),
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), metricsPlugin<GatewayContext>(), requestLogPlugin<GatewayContext>(log), clientMistakesPlugin<GatewayContext>(), queryCostPlugin<GatewayContext>(cfg.queryMaxCost)],
  });
  await apollo.start();
  // graphql-ws on the same server and path (ws://…/graphql); @apollo/gateway serves no subscriptions.
  const subscriptions = startSubscriptionServer({ httpServer, apollo, gateway, log, clientAddress: (req) => clientAddress(app, req) });
  // With ADMIN_PORT the operator endpoints live on a second server on an internal address, so the
  // public port shows clients only GraphQL, the playground, the payment callback and the probes.
  const ops = cfg.adminPort ? express() : app;
  ops.disable('x-powered-by');
  const probeApps = new Set([app, ops]);
  ops.get('/healthz/subscriptions', (_req, res) => void res.json(subscriptions.stats()));
  if (cfg.playgroundEnabled) app.use('/playground', playgroundRouter());

  for (const a of probeApps) a.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  // Ready when its own Redis (subscriptions, Bull Board) answers and every subgraph is ready,
  // which in turn checks that subgraph's MySQL database and its Redis/Kafka.
  const readyChecks: Record<string, Check> = { redis: redisCheck };
  for (const name of SERVICES) {
    readyChecks[name] = async () => {
      const r = await fetch(`${cfg.urls[name]}/readyz`, { signal: AbortSignal.timeout(3000) });
      if (!r.ok) throw new Error(`status ${r.status}: ${JSON.stringify(((await r.json().catch(() => ({}))) as { checks?: unknown }).checks ?? {})}`);
    };
  }
  const readyz = readyzHandler(readyChecks);
  for (const a of probeApps) a.get('/readyz', readyz);
  ops.get('/metrics', metricsHandler());
  const admin = mountAdmin(ops);
  mountPaymentNotify(app, log);

  app.use(
    '/graphql',
    // Request id and trace id from the client (x-request-id, traceparent or x-trace-id) or new.
    requestSpan('gateway'),
    // Per client address, shared by every gateway (Redis), before the body is read.
    ipRateLimit(limits.gatewayPerIp),
    express.json({ limit: '1mb' }),
    enterRequestContext,
    // Size, merged fields and cost, before Apollo parses, validates or plans anything.
    queryGuardMiddleware(new QueryGuard(gatewayBounds(cfg), () => gateway.schema), log),
    expressMiddleware(apollo, {
      context: async ({ req }) => ({
        userId: await userFromAuthorization(req.header('authorization')),
        requestId: req.requestContext?.requestId ?? randomUUID(),
        clientIp: requestAddress(req),
        trace: req.requestContext,
      }),
    }),
  );
  app.use(errorHandler(log));
  let adminServer: http.Server | undefined;
  if (ops !== app) {
    ops.use(errorHandler(log));
    adminServer = await listen(ops, cfg.adminPort!, cfg.adminHost);
  }
  await listenOn(httpServer, port, cfg.gatewayHost);

  const address = httpServer.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  log.info({ port: boundPort, host: cfg.gatewayHost, adminPort: cfg.adminPort ?? undefined }, 'gateway ready');
  const close = async () => {
    if (adminServer) await closeServer(adminServer);
    await subscriptions.close();
    await apollo.stop();
    await closeAgent();
    await admin.close();
    await closeReadiness();
    await closeRateLimits();
    await stopTracing();
  };
  return { app, httpServer, apollo, port: boundPort, log, close };
}
