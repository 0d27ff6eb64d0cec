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
  type GraphQLFieldResolver,
  type GraphQLSchema,
} from 'graphql';
import type { ApolloServer } from '@apollo/server';
import type { ApolloGateway } from '@apollo/gateway';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import type { Context as WsContext } from 'graphql-ws';
import type { Logger } from 'pino';
import { config } from '../lib/config.js';
import { bearerToken, verifyAccessToken } from '../lib/jwt.js';
import { domainError, notFound, rateLimited } from '../lib/errors.js';
import { registerCollector, unregisterCollector, wsConnections, wsSubscriptions } from '../lib/metrics.js';
import type { OrderStateEvent } from '../contracts/order.js';
import type { GatewayContext } from './data-source.js';
import { EventStream } from './event-stream.js';
import { OrderEventHub } from './order-events-listener.js';
import { queryLimitRules } from './query-limits.js';
import { gatewayBounds, QueryGuard } from '../lib/query-guard.js';
import { SocketLimits, UserSockets, type SocketOperation } from './socket-limits.js';
import { byResponseKey, fromEvent, planPayload, type PayloadPlan } from './subscription-payload.js';

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
 *   sockets per gateway process (socket-limits.ts).
 */

/** WebSocket close codes of this server (graphql-ws's own codes otherwise). */
export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_FORBIDDEN = 4403;
/** graphql-ws's "too many requests" code, which its client does not retry on its own. */
export const CLOSE_TOO_MANY = 4429;

type ConnectionState = {
  token?: string;
  userId?: string;
  limits?: SocketLimits;
};
/** The context of one socket operation: the gateway's, plus the operation's slot. */
type SocketContext = GatewayContext & { operation: SocketOperation };
type Extra = { socket: import('ws').WebSocket; request: http.IncomingMessage } & ConnectionState;
type Ctx = WsContext<Record<string, unknown> | undefined, Extra>;

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
}

export function startSubscriptionServer({ httpServer, apollo, gateway, log, path = '/graphql' }: SubscriptionServerOptions) {
  const cfg = config();
  const hub = new OrderEventHub(log);
  const rules = [...specifiedRules, ...queryLimitRules()];
  const guard = new QueryGuard(gatewayBounds(cfg), () => schema);
  // A schema object of our own: Apollo Server instruments the resolvers of the schema it executes
  // (wrapping them around the default resolver), which would defeat ours (by response key).
  const own = (s: GraphQLSchema | undefined) => (s ? buildSchema(printSchema(s)) : undefined);
  let schema: GraphQLSchema | undefined = own(gateway.schema);
  const stopWatching = gateway.onSchemaLoadOrUpdate(({ apiSchema }) => {
    schema = own(apiSchema);
  });

  // One message per event-loop turn and socket (not every frame of a read at once): a client that
  // floods its socket cannot hold the loop for the thousands of messages one read brings, so HTTP
  // and other sockets are served in between, and the flooding socket is paused by backpressure.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024, allowSynchronousEvents: false });
  const onUpgrade = (req: http.IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => {
    const pathname = new URL(req.url ?? '/', 'http://gateway').pathname;
    if (pathname !== path) {
      // Another upgrade handler may own that path; otherwise nobody does.
      if (httpServer.listenerCount('upgrade') <= 1) socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  httpServer.on('upgrade', onUpgrade);

  const single = (res: Awaited<ReturnType<typeof apollo.executeOperation>>): ExecutionResult => {
    if (res.body.kind !== 'single') throw new Error('incremental delivery is not supported here');
    return res.body.singleResult as ExecutionResult;
  };
  const runQuery = async (query: string, variables: Record<string, unknown>, userId: string, operationName?: string) =>
    single(await apollo.executeOperation({ query, variables, operationName }, { contextValue: { userId, requestId: randomUUID() } }));

  const toGraphQLError = (e: { message: string; extensions?: Record<string, unknown> }) =>
    new GraphQLError(e.message, { extensions: e.extensions });

  // One event reaches every subscription of its user as the same object; the order query of each
  // distinct selection runs once for it, shared by all subscriptions with that selection.
  const sharedQueries = new WeakMap<OrderStateEvent, Map<string, Promise<ExecutionResult>>>();
  function orderQuery(plan: PayloadPlan, event: OrderStateEvent, userId: string): Promise<ExecutionResult> {
    let perEvent = sharedQueries.get(event);
    if (!perEvent) sharedQueries.set(event, (perEvent = new Map()));
    const key = `${userId}\n${plan.key}`;
    let result = perEvent.get(key);
    if (!result) perEvent.set(key, (result = runQuery(plan.query!, { ...plan.variables, __orderSn: event.sn }, userId)));
    return result;
  }

  /** Resolves one event into the payload of one subscription. */
  async function payload(plan: PayloadPlan, event: OrderStateEvent, userId: string): Promise<unknown> {
    let orderData: Record<string, unknown> = {};
    let orderError: GraphQLError | undefined;
    if (plan.fastPath) {
      for (const [key, sels] of plan.orders) orderData[key] = fromEvent(sels, event, 'HomestayOrder');
    } else {
      try {
        const res = await orderQuery(plan, event, userId);
        orderData = (res.data as Record<string, unknown> | null | undefined) ?? {};
        if (res.errors?.length) {
          log.warn({ sn: event.sn, errors: res.errors.map((e) => e.message) }, 'order payload resolved with errors');
          orderError = toGraphQLError(res.errors[0] as GraphQLError);
        }
      } catch (err) {
        log.error({ err, sn: event.sn }, 'order payload failed');
        orderError = new GraphQLError('could not resolve the order of the event');
      }
    }
    const change: Record<string, unknown> = {};
    for (const { key, name } of plan.fields) {
      if (name === 'order') change[key] = orderData[key] ?? orderError ?? notFound('order');
      else if (name === 'from') change[key] = event.from;
      else if (name === 'to') change[key] = event.to;
      else if (name === 'at') change[key] = event.at;
    }
    return { [plan.rootKey]: change };
  }

  /** The order's state; throws unless `sn` is an order of the user (another user's order reads as NOT_FOUND). */
  async function currentState(sn: string, userId: string): Promise<OrderStateEvent['to']> {
    const res = await runQuery('query($sn: ID!) { order(sn: $sn) { sn state } }', { sn }, userId);
    const found = (res.data as { order?: { sn: string; state: OrderStateEvent['to'] } | null } | null)?.order;
    if (found) return found.state;
    const code = res.errors?.[0]?.extensions?.code;
    throw code && code !== 'NOT_FOUND' ? toGraphQLError(res.errors![0] as GraphQLError) : notFound('order');
  }

  /**
   * The subscribe resolver of `Subscription.orderStateChanged`. A completion (or the socket's
   * close) that arrives while this runs ends the stream at once, so its listener goes at once;
   * the operation's slot is freed only when the owner check, which cannot be aborted, is over.
   */
  const subscribeField: GraphQLFieldResolver<unknown, SocketContext> = async (_root, args, context, info) => {
    const op = context.operation;
    let stream: EventStream | undefined;
    try {
      if (info.fieldName !== 'orderStateChanged') throw domainError('BAD_USER_INPUT', `subscription ${info.fieldName} is not served here`);
      const userId = context.userId;
      if (!userId) throw domainError('UNAUTHENTICATED', 'sign in required');
      const sn = typeof args.sn === 'string' && args.sn !== '' ? args.sn : undefined;
      const plan = planPayload(info);
      const s = (stream = new EventStream((e) => payload(plan, e, userId), cfg.subscriptionMaxQueue));
      op.whenCancelled(() => void s.return());
      // Listen first, then check: an event raised during the check is queued, not lost.
      if (!stream.ended) stream.attach(await hub.add({ userId, sn, onEvent: (e) => s.push(e) }));
      if (sn && !stream.ended) {
        // The first message is the order's current state (from = to), so a client that subscribes
        // or reconnects never shows a state older than the order's; changes raised meanwhile were
        // queued behind it, since listening began before this read.
        const state = await currentState(sn, userId);
        stream.pushFirst({ sn, userId, from: state, to: state, at: new Date().toISOString() });
      }
      stream.attach(() => op.release());
      return stream;
    } catch (err) {
      await stream?.return();
      op.release();
      throw err;
    }
  };

  // A flood is refused with the same few error objects: building a GraphQLError (its stack trace)
  // costs more than all the rest of a refusal.
  const fullError = domainError('FORBIDDEN', `at most ${cfg.subscriptionMaxPerConnection} subscriptions per connection`, {
    limit: cfg.subscriptionMaxPerConnection,
  });
  const rateLimitedErrors = new Map<number, GraphQLError>();
  const rateLimitedError = (retryAfter: number) => {
    let e = rateLimitedErrors.get(retryAfter);
    if (!e) rateLimitedErrors.set(retryAfter, (e = rateLimited(`too many operations on this connection; retry in ${retryAfter}s`, retryAfter)));
    return e;
  };

  let connections = 0;
  const sockets = new Set<SocketLimits>();
  const userSockets = new UserSockets(cfg.subscriptionMaxConnectionsPerUser);
  const server = useServer<Record<string, unknown> | undefined, ConnectionState>(
    {
      connectionInitWaitTimeout: 5_000,
      async onConnect(ctx: Ctx) {
        const raw = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        const token = bearerToken(typeof raw === 'string' ? raw : undefined);
        if (!token) {
          ctx.extra.socket.close(CLOSE_UNAUTHORIZED, 'Unauthorized: connection params carry no authorization');
          return false;
        }
        let userId: string;
        try {
          userId = await verifyAccessToken(token);
        } catch {
          ctx.extra.socket.close(CLOSE_FORBIDDEN, 'Forbidden: invalid or expired access token');
          return false;
        }
        if (!userSockets.acquire(userId)) {
          ctx.extra.socket.close(CLOSE_TOO_MANY, `Too many connections: at most ${cfg.subscriptionMaxConnectionsPerUser} per user`);
          return false;
        }
        ctx.extra.userId = userId;
        ctx.extra.token = token;
        ctx.extra.limits = new SocketLimits(cfg.subscriptionMaxPerConnection, cfg.subscriptionSubscribeRate);
        sockets.add(ctx.extra.limits);
        connections += 1;
        return true;
      },
      onDisconnect(ctx: Ctx) {
        connections -= 1;
        ctx.extra.limits?.cancelAll();
        sockets.delete(ctx.extra.limits!);
        userSockets.release(ctx.extra.userId!);
      },
      async onSubscribe(ctx: Ctx, id, payload) {
        const admitted = ctx.extra.limits!.admit();
        if ('retryAfter' in admitted) return [rateLimitedError(admitted.retryAfter)];
        if ('full' in admitted) return [fullError];
        const op = admitted;
        // From here until the operation exists, a completion of this id (or the socket's close)
        // reaches the operation through this placeholder: graphql-ws calls its return().
        (ctx.subscriptions as Record<string, unknown>)[id] = op.placeholder();
        const refuse = (errors: GraphQLError[]) => {
          op.release();
          return errors;
        };
        // The token may have expired since the connection opened.
        try {
          await verifyAccessToken(ctx.extra.token!);
        } catch {
          ctx.extra.socket.close(CLOSE_FORBIDDEN, 'Forbidden: access token expired');
          return refuse([new GraphQLError('access token expired', { extensions: { code: 'UNAUTHENTICATED' } })]);
        }
        if (!schema) return refuse([new GraphQLError('the gateway has not loaded its schema yet')]);
        // Size, merged fields and cost, as over HTTP, before validation (lib/query-guard.ts).
        const checked = guard.check(payload.query, payload.operationName, payload.variables, { locations: true });
        if (checked.error) return refuse([checked.error]);
        const document = checked.document;
        // The same codes as Apollo Server gives over HTTP.
        const errors = validate(schema, document, rules).map(
          (e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }),
        );
        if (errors.length) return refuse(errors);
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) return refuse([new GraphQLError('Unable to identify operation')]);
        // Completed while being checked: graphql-ws has forgotten the id, nothing may start.
        if (op.isCancelled) return refuse([new GraphQLError('operation completed by the client')]);
        const args: ExecutionArgs & { rawQuery: string } = {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables ?? undefined,
          contextValue: { userId: ctx.extra.userId!, requestId: randomUUID(), operation: op } satisfies SocketContext,
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
          return await runQuery(a.rawQuery, (a.variableValues ?? {}) as Record<string, unknown>, ctx.userId!, a.operationName ?? undefined);
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
    },
    wss,
    cfg.subscriptionKeepAliveMs,
  );

  const stats = (): SubscriptionServerStats => {
    const hubStats = hub.stats();
    let operations = 0;
    for (const socket of sockets) operations += socket.size;
    return { connections, users: userSockets.users, operations, subscriptions: hubStats.listeners, hub: hubStats };
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
    await Promise.resolve(server.dispose()).catch((err: unknown) => log.warn({ err }, 'websocket server close failed'));
    await hub.close();
  };
  return { wss, hub, stats, close };
}
