import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import {
  GraphQLError,
  buildSchema,
  printSchema,
  getOperationAST,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import type { ApolloServer } from '@apollo/server';
import type { ApolloGateway } from '@apollo/gateway';
import { makeServer } from 'graphql-ws';
import type { Logger } from 'pino';
import { config } from '../lib/config.js';
import { domainError, rateLimited } from '../lib/errors.js';
import { registerCollector, unregisterCollector, wsConnections, wsSubscriptions } from '../lib/metrics.js';
import { rateLimits } from '../lib/rate-limits.js';
import type { GatewayContext } from './data-source.js';
import { OrderEventHub } from './order-events-listener.js';
import { orderStateChangedSubscriber, type SocketContext } from './order-subscription.js';
import { PayloadResolver } from './payload-resolver.js';
import { queryLimitRules } from './query-limits.js';
import { gatewayBounds, QueryGuard } from '../lib/query-guard.js';
import { SocketAuth, type ConnectionState, type SocketCtx, type SocketExtra } from './socket-auth.js';
import { byResponseKey } from './subscription-payload.js';
import { GraphqlWsTransport } from './ws-transport.js';

export { CLOSE_FORBIDDEN, CLOSE_TOO_MANY, CLOSE_UNAUTHORIZED } from './socket-auth.js';

/**
 * The gateway's own subscription server. @apollo/gateway does not execute subscriptions, so
 * graphql-ws (protocol `graphql-transport-ws`) serves them on the same HTTP server and path as
 * queries (`ws://…/graphql`):
 *
 * - the connection is authenticated by its connection params `{ authorization: "Bearer …" }`;
 *   no token closes it with 4401, a bad one with 4403;
 * - `orderStateChanged(sn)` delivers the caller's own order changes from the shared Redis channel
 *   (one subscriber connection per process, see OrderEventHub);
 * - each event's selection on `order` is answered through the gateway itself (the same query plan
 *   and auth path as `query { order(sn) { … } }`), except when it asks only for what the event
 *   carries (`sn`, `state`, `user { id }`), which costs no subgraph call;
 * - queries and mutations sent over the socket run through the gateway as over HTTP, and their
 *   errors come back as results (`next` with errors, then `complete`), never as a socket error;
 * - every operation counts against SUBSCRIPTION_MAX_PER_CONNECTION from its subscribe message
 *   until nothing of it is left (a subscription still being checked included), subscribes are
 *   rate-limited per socket, and one user holds at most SUBSCRIPTION_MAX_CONNECTIONS_PER_USER
 *   sockets per gateway process (socket-limits.ts);
 * - every subscribe message also counts against RATE_LIMIT_IP_PER_MINUTE of the connection's
 *   address, with the HTTP requests of that address on every gateway (lib/rate-limits.ts).
 *
 * The parts: ws-transport.ts (graphql-ws's protocol server on `ws`, keep-alive pings, 1001 on
 * close), socket-auth.ts (connection params, tokens, sockets per user, close codes),
 * order-subscription.ts and event-stream.ts (each subscriber's event queue),
 * subscription-payload.ts and payload-resolver.ts (an event into the payload a selection asks for).
 */

export interface SubscriptionServerStats {
  connections: number;
  /** Users with at least one open socket. */
  users: number;
  /** Operations the sockets hold (live subscriptions, and those still being set up or checked). */
  operations: number;
  subscriptions: number;
  hub: ReturnType<OrderEventHub['stats']>;
}

export interface SubscriptionServerOptions {
  httpServer: http.Server;
  apollo: ApolloServer<GatewayContext>;
  gateway: ApolloGateway;
  log: Logger;
  path?: string;
  /** The client's address of the upgrade request, under the same 'trust proxy' as HTTP. */
  clientAddress: (req: http.IncomingMessage) => string;
}

export function startSubscriptionServer({ httpServer, apollo, gateway, log, path = '/graphql', clientAddress }: SubscriptionServerOptions) {
  const cfg = config();
  const ipLimit = rateLimits().gatewayPerIp;
  const hub = new OrderEventHub(log);
  const rules = [...specifiedRules, ...queryLimitRules()];
  // Documents with locations (errors name where they arose), one per distinct text for every socket.
  const guard = new QueryGuard(gatewayBounds(cfg), () => schema, { locations: true });
  // The schema each shared document last passed validation against: a known document is validated
  // once per schema, not once per subscribe.
  const validated = new WeakMap<DocumentNode, GraphQLSchema>();
  // A schema object of our own: Apollo Server instruments the resolvers of the schema it executes
  // (wrapping them around the default resolver), which would defeat ours (by response key).
  const own = (s: GraphQLSchema | undefined) => (s ? buildSchema(printSchema(s)) : undefined);
  let schema: GraphQLSchema | undefined = own(gateway.schema);
  const stopWatching = gateway.onSchemaLoadOrUpdate(({ apiSchema }) => {
    schema = own(apiSchema);
  });

  const onUpgrade = (req: http.IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => {
    const pathname = new URL(req.url ?? '/', 'http://gateway').pathname;
    if (pathname !== path) {
      // Another upgrade handler may own that path; otherwise nobody does.
      if (httpServer.listenerCount('upgrade') <= 1) socket.destroy();
      return;
    }
    transport.handleUpgrade(req, socket, head);
  };
  httpServer.on('upgrade', onUpgrade);

  const single = (res: Awaited<ReturnType<typeof apollo.executeOperation>>): ExecutionResult => {
    if (res.body.kind !== 'single') throw new Error('incremental delivery is not supported here');
    return res.body.singleResult as ExecutionResult;
  };
  const runQuery = async (query: string, variables: Record<string, unknown>, userId: string, operationName?: string, clientIp?: string) =>
    single(await apollo.executeOperation({ query, variables, operationName }, { contextValue: { userId, requestId: randomUUID(), clientIp } }));

  const payloads = new PayloadResolver(runQuery, log);
  const subscribeField = orderStateChangedSubscriber(hub, payloads, cfg.subscriptionMaxQueue);

  // A flood is refused with the same few error objects: building a GraphQLError (its stack trace)
  // costs more than all the rest of a refusal.
  const fullError = domainError('FORBIDDEN', `at most ${cfg.subscriptionMaxPerConnection} subscriptions per connection`, {
    limit: cfg.subscriptionMaxPerConnection,
  });
  const rateLimitedErrors = new Map<string, GraphQLError>();
  const rateLimitedError = (retryAfter: number, message = `too many operations on this connection; retry in ${retryAfter}s`) => {
    let e = rateLimitedErrors.get(message);
    if (!e) rateLimitedErrors.set(message, (e = rateLimited(message, retryAfter)));
    return e;
  };

  const auth = new SocketAuth({
    maxPerConnection: cfg.subscriptionMaxPerConnection,
    subscribeRate: cfg.subscriptionSubscribeRate,
    maxConnectionsPerUser: cfg.subscriptionMaxConnectionsPerUser,
  });
  const server = makeServer<Record<string, unknown> | undefined, SocketExtra>({
    connectionInitWaitTimeout: 5_000,
    onConnect: (ctx: SocketCtx) => auth.connect(ctx),
    onDisconnect: (ctx: SocketCtx) => auth.disconnect(ctx),
    async onSubscribe(ctx: SocketCtx, id, payload) {
      const admitted = ctx.extra.limits!.admit();
      if ('retryAfter' in admitted) return [rateLimitedError(admitted.retryAfter)];
      if ('full' in admitted) return [fullError];
      const op = admitted;
      // From here until the subscription exists, a completion of this id (or the socket's close)
      // reaches the operation, which stands in for it: graphql-ws calls its return().
      (ctx.subscriptions as Record<string, unknown>)[id] = op;
      const refuse = (errors: GraphQLError[]) => {
        op.release();
        return errors;
      };
      const ipRetryAfter = await ipLimit.take(ctx.extra.clientIp!);
      if (ipRetryAfter) return refuse([rateLimitedError(ipRetryAfter, ipLimit.message(ipRetryAfter))]);
      if (!(await auth.stillAuthorized(ctx))) return refuse([new GraphQLError('access token expired', { extensions: { code: 'UNAUTHENTICATED' } })]);
      if (!schema) return refuse([new GraphQLError('the gateway has not loaded its schema yet')]);
      // Size, merged fields and cost, as over HTTP, before validation (lib/query-guard.ts).
      const checked = guard.check(payload.query, payload.operationName, payload.variables);
      if (checked.error) return refuse([checked.error]);
      const document = checked.document;
      if (validated.get(document) !== schema) {
        // The same codes as Apollo Server gives over HTTP.
        const errors = validate(schema, document, rules).map(
          (e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }),
        );
        if (errors.length) return refuse(errors);
        validated.set(document, schema);
      }
      const operation = getOperationAST(document, payload.operationName);
      if (!operation) return refuse([new GraphQLError('Unable to identify operation')]);
      // Completed while being checked: graphql-ws has forgotten the id, nothing may start.
      if (op.isCancelled) return refuse([new GraphQLError('operation completed by the client')]);
      const args: ExecutionArgs & { rawQuery: string } = {
        schema,
        document,
        operationName: payload.operationName,
        variableValues: payload.variables ?? undefined,
        contextValue: { userId: ctx.extra.userId!, requestId: randomUUID(), clientIp: ctx.extra.clientIp, operation: op } satisfies SocketContext,
        rootValue: undefined,
        subscribeFieldResolver: subscribeField,
        fieldResolver: byResponseKey,
        rawQuery: payload.query,
      };
      log.debug({ id, operation: operation.operation }, 'websocket operation');
      return args;
    },
    /** Queries and mutations over the socket go through the gateway, as over HTTP. */
    async execute(args) {
      const a = args as ExecutionArgs & { rawQuery: string };
      const ctx = a.contextValue as SocketContext;
      try {
        return await runQuery(a.rawQuery, (a.variableValues ?? {}) as Record<string, unknown>, ctx.userId!, a.operationName ?? undefined, ctx.clientIp);
      } finally {
        ctx.operation.release();
      }
    },
    // Apollo hands back its results already formatted, as it sends them over HTTP (errors are
    // plain objects, masked in production); graphql-ws would call toJSON() on each error.
    onNext(_ctx, _id, _payload, _args, result) {
      if (!result.errors?.some((e) => !(e instanceof GraphQLError))) return;
      return { ...result, errors: result.errors.map((e) => (e instanceof GraphQLError ? e.toJSON() : e)) };
    },
  });
  // One message per event-loop turn and socket (not every frame of a read at once): a client that
  // floods its socket cannot hold the loop for the thousands of messages one read brings, so HTTP
  // and other sockets are served in between, and the flooding socket is paused by backpressure.
  const transport = new GraphqlWsTransport<SocketExtra>({
    server,
    // One message per event-loop turn and socket (not every frame of a read at once): a client that
    // floods its socket cannot hold the loop for the thousands of messages one read brings, so HTTP
    // and other sockets are served in between, and the flooding socket is paused by backpressure.
    ws: { maxPayload: 1024 * 1024, allowSynchronousEvents: false },
    keepAliveMs: cfg.subscriptionKeepAliveMs,
    // The client's address is all the socket keeps of its upgrade request.
    extra: (socket, req) => ({ socket, clientIp: clientAddress(req) }),
    log,
  });

  const stats = (): SubscriptionServerStats => {
    const hubStats = hub.stats();
    return { ...auth.stats(), subscriptions: hubStats.listeners, hub: hubStats };
  };
  registerCollector('subscriptions', () => {
    const s = stats();
    wsConnections.set(s.connections);
    wsSubscriptions.set(s.subscriptions);
  });

  const close = async () => {
    stopWatching();
    unregisterCollector('subscriptions');
    httpServer.off('upgrade', onUpgrade);
    await transport.dispose().catch((err: unknown) => log.warn({ err }, 'websocket server close failed'));
    await hub.close();
  };
  return { wss: transport.wss, hub, stats, close };
}
