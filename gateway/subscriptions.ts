import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import {
  GraphQLError,
  buildSchema,
  printSchema,
  Kind,
  getOperationAST,
  parse,
  print,
  specifiedRules,
  validate,
  visit,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLFieldResolver,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
  type VariableDefinitionNode,
} from 'graphql';
import type { ApolloServer } from '@apollo/server';
import type { ApolloGateway } from '@apollo/gateway';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import type { Context as WsContext } from 'graphql-ws';
import type { Logger } from 'pino';
import { config } from '../lib/config.js';
import { bearerToken, verifyAccessToken } from '../lib/jwt.js';
import { domainError, notFound } from '../lib/errors.js';
import { registerCollector, unregisterCollector, wsConnections, wsSubscriptions } from '../lib/metrics.js';
import type { OrderStateEvent } from '../lib/order-events.js';
import type { GatewayContext } from './data-source.js';
import { OrderEventHub } from './order-events-listener.js';
import { queryLimitRules } from './query-limits.js';

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
 * - queries and mutations sent over the socket run through the gateway as over HTTP.
 */

/** WebSocket close codes of this server (graphql-ws's own codes otherwise). */
export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_FORBIDDEN = 4403;

type ConnectionState = {
  token?: string;
  userId?: string;
};
type Extra = { socket: import('ws').WebSocket; request: http.IncomingMessage } & ConnectionState;
type Ctx = WsContext<Record<string, unknown> | undefined, Extra>;

export interface SubscriptionServerStats {
  connections: number;
  subscriptions: number;
  hub: ReturnType<OrderEventHub['stats']>;
}

/** Resolves every field from its response key: payload objects are shaped like the response. */
const byResponseKey: GraphQLFieldResolver<unknown, unknown> = (source, _args, _ctx, info) =>
  source && typeof source === 'object' ? (source as Record<string, unknown>)[String(info.path.key)] : undefined;

const responseKey = (f: FieldNode) => f.alias?.value ?? f.name.value;

/** Fields of a selection set with inline fragments and fragment spreads flattened (one level). */
function flattenFields(set: SelectionSetNode | undefined, fragments: Record<string, FragmentDefinitionNode>, out: FieldNode[] = []): FieldNode[] {
  for (const sel of set?.selections ?? []) {
    if (sel.kind === Kind.FIELD) out.push(sel);
    else if (sel.kind === Kind.INLINE_FRAGMENT) flattenFields(sel.selectionSet, fragments, out);
    else {
      const frag = fragments[sel.name.value];
      if (frag) flattenFields(frag.selectionSet, fragments, out);
    }
  }
  return out;
}

/** What the event itself can answer on `order` with no subgraph call. */
function answerableFromEvent(selections: readonly SelectionNode[]): boolean {
  return selections.every((sel) => {
    if (sel.kind !== Kind.FIELD || sel.directives?.length) return false;
    const name = sel.name.value;
    if (name === 'sn' || name === 'state' || name === '__typename') return !sel.selectionSet;
    if (name === 'user' && sel.selectionSet) {
      return sel.selectionSet.selections.every(
        (s) => s.kind === Kind.FIELD && !s.directives?.length && !s.selectionSet && (s.name.value === 'id' || s.name.value === '__typename'),
      );
    }
    return false;
  });
}

function fromEvent(selections: readonly SelectionNode[], event: OrderStateEvent, typename: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const sel of selections as FieldNode[]) {
    const name = sel.name.value;
    out[responseKey(sel)] =
      name === 'sn' ? event.sn
      : name === 'state' ? event.to
      : name === '__typename' ? typename
      : Object.fromEntries(
          (sel.selectionSet!.selections as FieldNode[]).map((u) => [responseKey(u), u.name.value === 'id' ? event.userId : 'User']),
        );
  }
  return out;
}

/**
 * The plan for one subscription: how to turn an event into the payload its selection asks for.
 * Every `order` field (by response key) becomes `key: order(sn: $__sn) { …the same selection… }`
 * in one query executed through the gateway.
 */
interface PayloadPlan {
  rootKey: string;
  /** Response keys of the OrderStateChange selection, with what each one is. */
  fields: Array<{ key: string; name: string }>;
  /** Selections on `order` by response key. */
  orders: Map<string, SelectionNode[]>;
  fastPath: boolean;
  query?: string;
  variables: Record<string, unknown>;
}

function planPayload(info: GraphQLResolveInfo): PayloadPlan {
  const fields: PayloadPlan['fields'] = [];
  const orders = new Map<string, SelectionNode[]>();
  for (const root of info.fieldNodes) {
    for (const f of flattenFields(root.selectionSet, info.fragments)) {
      const key = responseKey(f);
      if (!fields.some((x) => x.key === key)) fields.push({ key, name: f.name.value });
      if (f.name.value === 'order') orders.set(key, [...(orders.get(key) ?? []), ...(f.selectionSet?.selections ?? [])]);
    }
  }
  const fastPath = [...orders.values()].every(answerableFromEvent);
  const plan: PayloadPlan = { rootKey: String(info.path.key), fields, orders, fastPath, variables: {} };
  if (fastPath) return plan;

  // The fragments and variables the `order` selections use (validation refuses unused ones).
  const usedFragments = new Set<string>();
  const usedVariables = new Set<string>();
  const scan = (sels: readonly SelectionNode[]) =>
    visit({ kind: Kind.SELECTION_SET, selections: sels } as SelectionSetNode, {
      FragmentSpread(node) {
        if (usedFragments.has(node.name.value)) return;
        usedFragments.add(node.name.value);
        const frag = info.fragments[node.name.value];
        if (frag) scan(frag.selectionSet.selections);
      },
      Variable(node) {
        usedVariables.add(node.name.value);
      },
    });
  for (const sels of orders.values()) scan(sels);

  const snVar = '__orderSn';
  const variableDefinitions: VariableDefinitionNode[] = [
    {
      kind: Kind.VARIABLE_DEFINITION,
      variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: snVar } },
      type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'ID' } } },
    },
    ...(info.operation.variableDefinitions ?? []).filter((d) => usedVariables.has(d.variable.name.value)),
  ];
  const operation: OperationDefinitionNode = {
    kind: Kind.OPERATION_DEFINITION,
    operation: 'query' as OperationDefinitionNode['operation'],
    name: { kind: Kind.NAME, value: 'OrderStateChangedPayload' },
    variableDefinitions,
    selectionSet: {
      kind: Kind.SELECTION_SET,
      selections: [...orders].map(([key, sels]) => ({
        kind: Kind.FIELD,
        alias: { kind: Kind.NAME, value: key },
        name: { kind: Kind.NAME, value: 'order' },
        arguments: [
          {
            kind: Kind.ARGUMENT,
            name: { kind: Kind.NAME, value: 'sn' },
            value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: snVar } },
          },
        ],
        selectionSet: { kind: Kind.SELECTION_SET, selections: sels },
      })),
    },
  };
  const document: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [operation, ...[...usedFragments].map((n) => info.fragments[n]!).filter(Boolean)],
  };
  plan.query = print(document);
  for (const name of usedVariables) if (name in info.variableValues) plan.variables[name] = info.variableValues[name];
  return plan;
}

/** A subscriber's event stream: a bounded queue filled by the hub, drained by graphql-ws. */
class EventStream implements AsyncIterableIterator<unknown> {
  private readonly queue: OrderStateEvent[] = [];
  private waiter: ((e: OrderStateEvent | null) => void) | undefined;
  private done = false;
  remove: () => void = () => undefined;

  constructor(
    private readonly toPayload: (e: OrderStateEvent) => Promise<unknown>,
    private readonly maxQueue: number,
  ) {}

  push(event: OrderStateEvent): void {
    if (this.done) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w(event);
      return;
    }
    // A subscriber that cannot keep up loses its oldest events, not the process's memory.
    if (this.queue.length >= this.maxQueue) this.queue.shift();
    this.queue.push(event);
  }

  async next(): Promise<IteratorResult<unknown>> {
    if (this.done) return { done: true, value: undefined };
    const event = this.queue.shift() ?? (await new Promise<OrderStateEvent | null>((r) => (this.waiter = r)));
    if (!event || this.done) return { done: true, value: undefined };
    const value = await this.toPayload(event);
    return this.done ? { done: true, value: undefined } : { done: false, value };
  }

  async return(): Promise<IteratorResult<unknown>> {
    if (!this.done) {
      this.done = true;
      this.queue.length = 0;
      this.remove();
      const w = this.waiter;
      this.waiter = undefined;
      w?.(null);
    }
    return { done: true, value: undefined };
  }

  async throw(err: unknown): Promise<IteratorResult<unknown>> {
    await this.return();
    throw err;
  }

  [Symbol.asyncIterator]() {
    return this;
  }
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
  // A schema object of our own: Apollo Server instruments the resolvers of the schema it executes
  // (wrapping them around the default resolver), which would defeat ours (by response key).
  const own = (s: GraphQLSchema | undefined) => (s ? buildSchema(printSchema(s)) : undefined);
  let schema: GraphQLSchema | undefined = own(gateway.schema);
  const stopWatching = gateway.onSchemaLoadOrUpdate(({ apiSchema }) => {
    schema = own(apiSchema);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
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

  /** Resolves one event into the payload of one subscription. */
  async function payload(plan: PayloadPlan, event: OrderStateEvent, userId: string): Promise<unknown> {
    let orderData: Record<string, unknown> = {};
    let orderError: GraphQLError | undefined;
    if (plan.fastPath) {
      for (const [key, sels] of plan.orders) orderData[key] = fromEvent(sels, event, 'HomestayOrder');
    } else {
      try {
        const res = await runQuery(plan.query!, { ...plan.variables, __orderSn: event.sn }, userId);
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

  /** The subscribe resolver of `Subscription.orderStateChanged`. */
  const subscribeField: GraphQLFieldResolver<unknown, GatewayContext> = async (_root, args, context, info) => {
    if (info.fieldName !== 'orderStateChanged') throw domainError('BAD_USER_INPUT', `subscription ${info.fieldName} is not served here`);
    const userId = context.userId;
    if (!userId) throw domainError('UNAUTHENTICATED', 'sign in required');
    const sn = typeof args.sn === 'string' && args.sn !== '' ? args.sn : undefined;
    const plan = planPayload(info);
    const stream = new EventStream((e) => payload(plan, e, userId), cfg.subscriptionMaxQueue);
    // Listen first, then check: an event raised during the check is queued, not lost.
    stream.remove = await hub.add({ userId, sn, onEvent: (e) => stream.push(e) });
    if (sn) {
      try {
        const res = await runQuery('query($sn: ID!) { order(sn: $sn) { sn } }', { sn }, userId);
        const found = (res.data as { order?: { sn: string } | null } | null)?.order;
        if (!found) {
          const code = res.errors?.[0]?.extensions?.code;
          throw code && code !== 'NOT_FOUND' ? toGraphQLError(res.errors![0] as GraphQLError) : notFound('order');
        }
      } catch (err) {
        await stream.return();
        throw err;
      }
    }
    return stream;
  };

  let connections = 0;
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
        try {
          ctx.extra.userId = await verifyAccessToken(token);
          ctx.extra.token = token;
        } catch {
          ctx.extra.socket.close(CLOSE_FORBIDDEN, 'Forbidden: invalid or expired access token');
          return false;
        }
        connections += 1;
        return true;
      },
      onDisconnect() {
        connections -= 1;
      },
      async onSubscribe(ctx: Ctx, id, payload) {
        // The token may have expired since the connection opened.
        try {
          await verifyAccessToken(ctx.extra.token!);
        } catch {
          ctx.extra.socket.close(CLOSE_FORBIDDEN, 'Forbidden: access token expired');
          return [new GraphQLError('access token expired', { extensions: { code: 'UNAUTHENTICATED' } })];
        }
        if (Object.keys(ctx.subscriptions).length > cfg.subscriptionMaxPerConnection) {
          return [
            domainError('FORBIDDEN', `at most ${cfg.subscriptionMaxPerConnection} subscriptions per connection`, {
              limit: cfg.subscriptionMaxPerConnection,
            }),
          ];
        }
        if (!schema) return [new GraphQLError('the gateway has not loaded its schema yet')];
        let document: DocumentNode;
        try {
          document = parse(payload.query);
        } catch (err) {
          const e = err instanceof GraphQLError ? err : new GraphQLError(String(err));
          return [new GraphQLError(e.message, { source: e.source, positions: e.positions, extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
        }
        // The same codes as Apollo Server gives over HTTP.
        const errors = validate(schema, document, rules).map(
          (e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }),
        );
        if (errors.length) return errors;
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) return [new GraphQLError('Unable to identify operation')];
        const args: ExecutionArgs & { rawQuery: string } = {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables ?? undefined,
          contextValue: { userId: ctx.extra.userId!, requestId: randomUUID() } satisfies GatewayContext,
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
        const ctx = a.contextValue as GatewayContext;
        return runQuery(a.rawQuery, (a.variableValues ?? {}) as Record<string, unknown>, ctx.userId!, a.operationName ?? undefined);
      },
    },
    wss,
    cfg.subscriptionKeepAliveMs,
  );

  const stats = (): SubscriptionServerStats => {
    const hubStats = hub.stats();
    return { connections, subscriptions: hubStats.listeners, hub: hubStats };
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
