import type { FormattedExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

/**
 * A real graphql-ws client (protocol `graphql-transport-ws`) over `ws`, as an app would use it,
 * with helpers to wait for events and for the connection's close code.
 */
export interface WsConnection {
  client: Client;
  /** Resolves with the close code once the socket closes. */
  closed: Promise<number>;
  /** Resolves once the server acknowledged the connection (connection_ack). */
  connected: Promise<void>;
  dispose(): Promise<void>;
}

/** Opens a connection; `headers` go on the upgrade request (an X-Forwarded-For a proxy would add, say). */
export function connect(wsUrl: string, token?: string | null, opts: { authorization?: string; headers?: Record<string, string> } = {}): WsConnection {
  let onClosed!: (code: number) => void;
  let onConnected!: () => void;
  const closed = new Promise<number>((r) => (onClosed = r));
  const connected = new Promise<void>((r) => (onConnected = r));
  const client = createClient({
    url: wsUrl,
    webSocketImpl: opts.headers ? withHeaders(opts.headers) : WebSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams: opts.authorization !== undefined ? { authorization: opts.authorization } : token ? { authorization: `Bearer ${token}` } : {},
    on: {
      connected: () => onConnected(),
      closed: (event) => onClosed((event as { code: number }).code),
    },
    onNonLazyError: () => undefined,
  });
  return { client, closed, connected, dispose: async () => void (await client.dispose()) };
}

function withHeaders(headers: Record<string, string>) {
  return class extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers });
    }
  };
}

type ExecutionResult<T> = FormattedExecutionResult<T, unknown>;

export interface LiveSubscription<T = any> {
  results: ExecutionResult<T>[];
  errors: unknown[];
  completed: boolean;
  /** Waits until `count` results arrived (or throws after the timeout). */
  waitFor(count: number, timeoutMs?: number): Promise<ExecutionResult<T>[]>;
  /** Waits for an error (graphql-ws `error` message) or completion. */
  settled(timeoutMs?: number): Promise<void>;
  unsubscribe(): void;
}

export function subscribe<T = any>(conn: WsConnection, query: string, variables: Record<string, unknown> = {}): LiveSubscription<T> {
  const sub: LiveSubscription<T> = {
    results: [],
    errors: [],
    completed: false,
    waitFor: async (count, timeoutMs = 20_000) => {
      const deadline = Date.now() + timeoutMs;
      while (sub.results.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} events, got ${JSON.stringify(sub.results)} (errors ${JSON.stringify(sub.errors)})`);
        if (sub.errors.length) throw new Error(`subscription failed: ${JSON.stringify(sub.errors)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return sub.results;
    },
    settled: async (timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!sub.completed && !sub.errors.length) {
        if (Date.now() > deadline) throw new Error('subscription neither failed nor completed');
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    unsubscribe: () => undefined,
  };
  sub.unsubscribe = conn.client.subscribe<T>(
    { query, variables },
    {
      next: (r) => void sub.results.push(r),
      error: (e) => void sub.errors.push(e),
      complete: () => void (sub.completed = true),
    },
  );
  return sub;
}

/**
 * The error code a subscription was refused with: graphql-ws sends an `error` message for
 * errors before execution (validation, limits) and a `next` with errors then `complete` for
 * errors of the subscribe resolver (graphql-js semantics, for example NOT_FOUND).
 */
export function refusal(sub: LiveSubscription): string | undefined {
  const fromError = (sub.errors[0] as { extensions?: { code?: string } }[] | undefined)?.[0]?.extensions?.code;
  return fromError ?? (sub.results[0]?.errors?.[0]?.extensions?.code as string | undefined);
}

export interface SubscriptionStats {
  connections: number;
  users: number;
  operations: number;
  subscriptions: number;
  hub: { listeners: number; users: number; orders: number; redisSubscribed: boolean; redisMessageListeners: number };
}

/** The gateway's subscription counters (GET /healthz/subscriptions). */
export async function subscriptionStats(gatewayUrl: string): Promise<SubscriptionStats> {
  const r = await fetch(`${gatewayUrl}/healthz/subscriptions`);
  return (await r.json()) as SubscriptionStats;
}

/** Polls the gateway's counters until `ok` holds (a subscription is live once its listener is). */
export async function waitForStats(gatewayUrl: string, ok: (s: SubscriptionStats) => boolean, timeoutMs = 20_000): Promise<SubscriptionStats> {
  const deadline = Date.now() + timeoutMs;
  let s = await subscriptionStats(gatewayUrl);
  while (!ok(s)) {
    if (Date.now() > deadline) throw new Error(`gateway subscription stats never matched: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 50));
    s = await subscriptionStats(gatewayUrl);
  }
  return s;
}
