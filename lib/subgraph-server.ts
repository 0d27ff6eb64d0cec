import { randomUUID } from 'node:crypto';
import express from 'express';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { DocumentNode, GraphQLScalarType } from 'graphql';
import { config, type ServiceName } from './config.js';
import { CONTEXT_HEADER, verifyContext } from './internal-auth.js';
import { unauthenticated } from './errors.js';
import { closeServer, listen } from './http.js';
import { createLogger, type Logger } from './logger.js';
import { onShutdown } from './lifecycle.js';
import { initMetrics, metricsHandler, metricsPlugin } from './metrics.js';
import { closeReadiness, kafkaCheck, readyzHandler, redisCheck, type Check } from './readiness.js';
import { contextFromHeaders, runWithContext } from './request-context.js';
import { endSpanOnFinish, enterRequestContext, errorHandler, formatError, requestLogPlugin } from './http-server.js';
import { startTracing, stopTracing } from './tracing.js';
import { closeRateLimits } from './rate-limits.js';
import { QueryGuard, queryCostPlugin, queryGuardMiddleware, subgraphBounds } from './query-guard.js';

/** Who is calling, as proven by the signed context header. */
export interface Caller {
  userId: string | null;
  service: string | null;
  requestId: string;
  /** The client's address, signed by the gateway; null on service calls. */
  clientIp: string | null;
}

export interface BaseContext {
  caller: Caller;
  log: Logger;
}

export function requireUserId(ctx: BaseContext): string {
  if (!ctx.caller.userId) throw unauthenticated();
  return ctx.caller.userId;
}

declare module 'express-serve-static-core' {
  interface Request {
    caller: Caller;
  }
}

/**
 * A subgraph's resolvers as buildSubgraphSchema takes them (its own type is not exported from the
 * package's entry point): per type, field resolvers (or `{ resolve, subscribe }`), a scalar, or enum values.
 * Each subgraph's generated `Resolvers` type checks the functions' signatures (`__resolveReference`
 * takes the context second), so here any function will do.
 */
type AnyResolver = (...args: any[]) => unknown;
export interface ResolverMap {
  [typeName: string]:
    | { [fieldName: string]: AnyResolver | { resolve?: AnyResolver; subscribe?: AnyResolver } }
    | GraphQLScalarType
    | { [enumValue: string]: string | number };
}


export interface SubgraphOptions<C extends BaseContext> {
  name: ServiceName;
  typeDefs: DocumentNode;
  resolvers: ResolverMap;
  /** Builds the per-request context (a forked EntityManager, fresh DataLoaders) around the caller. */
  context: (base: BaseContext) => C | Promise<C>;
  /** Service-to-service routes, mounted under /internal and open only to a signed service caller. */
  internalRoutes?: (router: express.Router) => void;
  /**
   * Public routes outside /graphql that authenticate themselves (a payment provider's callback,
   * checked by its own signature): registered before the signed-context check, with no body parser,
   * so a route can read its raw body.
   */
  publicRoutes?: (app: express.Express) => void;
  /** Checks for /readyz (a database ping, say). */
  ready?: () => Promise<void>;
  /** Infrastructure /readyz checks besides `ready` (default by service: see DEFAULT_NEEDS). */
  needs?: Array<'redis' | 'kafka'>;
  port?: number;
  /** Closes what requests use besides the database (a Redis connection), once the server stopped. */
  closeAfter?: () => Promise<void>;
}

/** What each service talks to besides its database (BullMQ and pub/sub on Redis, events on Kafka). */
const DEFAULT_NEEDS: Record<ServiceName, Array<'redis' | 'kafka'>> = {
  user: [],
  homestay: [],
  order: ['redis', 'kafka'],
  payment: ['redis', 'kafka'],
};

export async function startSubgraph<C extends BaseContext>(opts: SubgraphOptions<C>) {
  const cfg = config();
  const log = createLogger(`${opts.name}-subgraph`);
  initMetrics(opts.name);
  await startTracing(opts.name);
  const schema = buildSubgraphSchema({ typeDefs: opts.typeDefs, resolvers: opts.resolvers });
  // No single request, even one signed by the gateway, may build an unbounded result.
  const bounds = subgraphBounds(cfg);
  const apollo = new ApolloServer<C>({
    schema,
    parseOptions: { maxTokens: bounds.maxTokens },
    // Apollo's own messages as JSON lines of the service's log, like everything else it prints.
    // lib/lifecycle.ts stops the process on SIGTERM in order; Apollo's own handler would stop the
    // server first and send the signal again, which lifecycle takes as a second signal (exit 1 at once).
    stopOnTerminationSignals: false,
    logger: log,
    introspection: !cfg.isProduction,
    includeStacktraceInErrorResponses: !cfg.isProduction,
    formatError: formatError(log),
    // No Apollo Studio here: inline traces would only cost time on every call. Nor cache hints:
    // no schema sets one, so a subgraph never sends Cache-Control, and the cache-control plugin
    // only put a hook on every field of every response.
    plugins: [
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      metricsPlugin<C>(),
      requestLogPlugin<C>(log),
      queryCostPlugin<C>(bounds.maxCost),
    ],
  });
  await apollo.start();

  const app = express();
  app.disable('x-powered-by');
  // Only the gateway and services call a subgraph, and never conditionally: an ETag would be a
  // hash of every response body for nothing.
  app.set('etag', false);
  app.get('/healthz', (_req, res) => void res.json({ status: 'ok', service: opts.name }));
  const checks: Record<string, Check> = {};
  if (opts.ready) checks.mysql = opts.ready;
  for (const need of opts.needs ?? DEFAULT_NEEDS[opts.name]) checks[need] = need === 'redis' ? redisCheck : kafkaCheck;
  app.get('/readyz', readyzHandler(checks, { service: opts.name }));
  app.get('/metrics', metricsHandler());

  opts.publicRoutes?.(app);

  // Everything below needs a context signed with the internal secret.
  app.use((req, res, next) => {
    const ctx = verifyContext(req.header(CONTEXT_HEADER), cfg.internalSecret);
    if (!ctx) {
      res.status(401).json({ errors: [{ message: 'missing or invalid internal signature', extensions: { code: 'UNAUTHENTICATED' } }] });
      return;
    }
    req.caller = { userId: ctx.userId ?? null, service: ctx.service ?? null, requestId: ctx.requestId ?? randomUUID(), clientIp: ctx.clientIp ?? null };
    req.requestContext = contextFromHeaders((h) => req.header(h), `${opts.name} ${req.method} ${req.path}`, req.caller.requestId);
    endSpanOnFinish(res, req.requestContext);
    runWithContext(req.requestContext, next);
  });

  if (opts.internalRoutes) {
    const router = express.Router();
    router.use((req, res, next) => {
      if (!req.caller.service) {
        res.status(403).json({ error: { code: 'FORBIDDEN', message: 'internal operations need the service credential' } });
        return;
      }
      next();
    });
    router.use(express.json({ limit: '100kb' }), enterRequestContext);
    opts.internalRoutes(router);
    app.use('/internal', router);
  }

  app.use(
    '/graphql',
    express.json({ limit: '1mb' }),
    enterRequestContext,
    queryGuardMiddleware(new QueryGuard(bounds, () => schema), log),
    expressMiddleware(apollo, {
      // The log mixin adds requestId and traceId to every line written during the request.
      context: async ({ req }) => opts.context({ caller: req.caller, log }),
    }),
  );
  app.use(errorHandler(log));

  const server = await listen(app, opts.port ?? cfg.ports[opts.name]);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  log.info({ port }, `${opts.name} subgraph ready`);
  const close = async () => {
    await closeServer(server);
    await apollo.stop();
    await opts.closeAfter?.();
    await closeReadiness();
    await closeRateLimits();
    await stopTracing();
  };
  onShutdown(close, log);
  return { app, server, port, log, close };
}
