import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { ORDER_STATE_CHANNEL, parseOrderStateEvent } from '../contracts/order.js';
import { createRedis, type Redis } from '../lib/redis.js';
import type { Cluster, Side } from './cluster.js';
import type { Guest } from './ledger.js';

/**
 * Guests watching their orders live on the gateways, as an app's order screen does: one graphql-ws
 * connection per guest, and a subscription `orderStateChanged(sn)` for each order the guest books.
 * When the socket drops (a gateway restarts) the client reconnects and graphql-ws subscribes
 * again; a subscription the server ends is made again after a second. What each one received is
 * kept to compare with the orders' final states.
 */
const WATCH = `subscription($sn: ID) { orderStateChanged(sn: $sn) { from to order { sn } } }`;
/** Below the gateway's SUBSCRIPTION_MAX_PER_CONNECTION (100): later orders of the guest go unwatched. */
const MAX_WATCHED = 90;
/** A subscription the server keeps ending is not made again forever. */
const MAX_RESUBSCRIBES_PER_ORDER = 20;

export class Subscriber {
  /** The orders watched, with every state received for each, in arrival order. */
  readonly heard = new Map<string, Array<{ to: string; at: number }>>();
  events = 0;
  connects = 0;
  /** Subscriptions the server ended (error or complete) that the client made again. */
  resubscribes = 0;
  errors: string[] = [];
  /** When the client was not connected: from the socket closing to the next acknowledged connection. */
  readonly gaps: Array<[number, number]> = [];
  private downSince: number | null = null;
  private stopped = false;
  private client: Client | undefined;

  constructor(
    readonly guest: Guest,
    readonly side: Side,
  ) {}

  start(cluster: Cluster): void {
    this.client = createClient({
      url: cluster.wsUrl(this.side),
      webSocketImpl: WebSocket,
      lazy: false,
      connectionParams: { authorization: `Bearer ${this.guest.token}` },
      // As an app would: keep trying while the gateway restarts.
      retryAttempts: 10_000,
      shouldRetry: () => true,
      retryWait: () => new Promise((r) => setTimeout(r, 500)),
      on: {
        connected: () => {
          this.connects += 1;
          if (this.downSince !== null) this.gaps.push([this.downSince, Date.now()]);
          this.downSince = null;
        },
        closed: () => {
          if (this.downSince === null && this.connects > 0) this.downSince = Date.now();
        },
      },
      onNonLazyError: () => undefined,
    });
  }

  /** Starts watching one of the guest's orders (right after booking it). */
  watch(sn: string): void {
    if (this.stopped || !this.client || this.heard.has(sn) || this.heard.size >= MAX_WATCHED) return;
    this.heard.set(sn, []);
    this.subscribe(sn, 0);
  }

  private subscribe(sn: string, attempt: number): void {
    if (this.stopped || !this.client) return;
    const again = () => {
      if (this.stopped || attempt >= MAX_RESUBSCRIBES_PER_ORDER) return;
      this.resubscribes += 1;
      setTimeout(() => this.subscribe(sn, attempt + 1), 1_000);
    };
    this.client.subscribe<{ orderStateChanged: { from: string | null; to: string; order: { sn: string } } }>(
      { query: WATCH, variables: { sn } },
      {
        next: (r) => {
          const e = r.data?.orderStateChanged;
          if (r.errors?.length) this.errors.push(`${r.errors[0]!.extensions?.code ?? ''} ${r.errors[0]!.message}`.trim());
          if (!e) return;
          this.events += 1;
          this.heard.get(sn)!.push({ to: e.to, at: Date.now() });
        },
        error: (err) => {
          this.errors.push(Array.isArray(err) ? String(err[0]?.message) : err instanceof Error ? err.message : JSON.stringify(err).slice(0, 200));
          again();
        },
        complete: again,
      },
    );
  }

  /** The last state received for an order, if any. */
  last(sn: string): string | undefined {
    const h = this.heard.get(sn);
    return h?.[h.length - 1]?.to;
  }

  /** Whether the client was disconnected around `at` (a second's slack either side for the events in flight). */
  wasAway(at: number): boolean {
    return this.gaps.some(([from, to]) => at >= from - 1_000 && at <= to + 1_000) || (this.downSince !== null && at >= this.downSince - 1_000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.client?.dispose();
  }
}

/** Waits until every subscriber's connection is acknowledged. */
export async function waitUntilConnected(subscribers: Subscriber[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (subscribers.some((s) => s.connects === 0)) {
    if (Date.now() > deadline) throw new Error(`${subscribers.filter((s) => s.connects === 0).length} subscribers could not connect in ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Listens to the order state channel in Redis directly, beside the subscribers: when a subscriber
 * misses a state, this tells whether the product never published it or a gateway lost it.
 */
export class ChannelWitness {
  readonly published = new Map<string, Array<{ to: string; at: number }>>();
  private redis: Redis | undefined;

  async start(): Promise<void> {
    this.redis = createRedis({ connectionName: 'soak-witness' });
    this.redis.on('message', (_channel: string, message: string) => {
      const e = parseOrderStateEvent(message);
      if (e) (this.published.get(e.sn) ?? this.published.set(e.sn, []).get(e.sn)!).push({ to: e.to, at: Date.now() });
    });
    await this.redis.subscribe(ORDER_STATE_CHANNEL());
  }

  stop(): void {
    this.redis?.disconnect();
  }
}
