import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { ORDER_STATE_CHANNEL, parseOrderStateEvent } from '../lib/order-events.js';
import { createRedis, type Redis } from '../lib/redis.js';
import type { Cluster, Side } from './cluster.js';
import type { Guest } from './ledger.js';

/**
 * Guests watching their orders live on the gateways (graphql-ws, all of their orders), as an app
 * would: when the socket drops (a gateway restarts) the client reconnects and subscribes again.
 * What each one received is kept to compare with the orders' final states.
 */
const WATCH = `subscription { orderStateChanged { from to order { sn } } }`;
/** One order: its first message is the order's current state (what an app asks after a reconnect). */
const ONE = `subscription($sn: ID) { orderStateChanged(sn: $sn) { from to order { sn } } }`;
const FINAL = new Set(['CANCELLED', 'REFUNDED', 'USED']);
/** How far along its life an order is: a state read a moment ago never undoes a later change heard since. */
const RANK: Record<string, number> = { WAIT_PAY: 0, WAIT_USE: 1, CANCELLED: 2, REFUNDED: 2, USED: 2 };

export class Subscriber {
  /** The last state received for each order, in arrival order. */
  readonly lastState = new Map<string, string>();
  /** Every state received for each order, with the time it arrived (for the report). */
  readonly heard = new Map<string, Array<{ to: string; at: number }>>();
  events = 0;
  connects = 0;
  /** Subscriptions the server ended (error or complete) that the client made again. */
  resubscribes = 0;
  errors: string[] = [];
  /** When the client was not subscribed: from the socket closing to the next acknowledged connection. */
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
          if (this.connects > 1) this.refresh();
        },
        closed: () => {
          if (this.downSince === null && this.connects > 0) this.downSince = Date.now();
        },
      },
      onNonLazyError: () => undefined,
    });
    this.watch();
  }

  /** The state of an order, taken from one message of the sn's stream. */
  private hear(sn: string, to: string): void {
    this.events += 1;
    this.lastState.set(sn, to);
    (this.heard.get(sn) ?? this.heard.set(sn, []).get(sn)!).push({ to, at: Date.now() });
  }

  /**
   * After a reconnect the all-orders stream only has what changes from then on; an app catches up
   * on the orders it shows by subscribing to each for a moment: the first message of a one-order
   * subscription is the order's current state (orders already final need nothing).
   */
  private refresh(): void {
    if (this.stopped || !this.client) return;
    for (const [sn, last] of this.lastState) {
      if (FINAL.has(last)) continue;
      let done = false;
      const stop = this.client.subscribe<{ orderStateChanged: { to: string; order: { sn: string } } }>(
        { query: ONE, variables: { sn } },
        {
          next: (r) => {
            const e = r.data?.orderStateChanged;
            if (!e || done) return;
            done = true;
            if ((RANK[e.to] ?? 0) >= (RANK[this.lastState.get(sn) ?? ''] ?? 0)) this.hear(e.order.sn, e.to);
            setImmediate(() => stop());
          },
          error: () => undefined,
          complete: () => undefined,
        },
      );
    }
  }

  /** One subscription; when the server ends it (an error after a restart, say), the app subscribes again. */
  private watch(): void {
    if (this.stopped || !this.client) return;
    const again = () => {
      if (this.stopped) return;
      this.resubscribes += 1;
      const since = Date.now();
      setTimeout(() => {
        this.gaps.push([since, Date.now()]);
        this.watch();
        this.refresh();
      }, 1_000);
    };
    this.client.subscribe<{ orderStateChanged: { from: string | null; to: string; order: { sn: string } } }>(
      { query: WATCH },
      {
        next: (r) => {
          const e = r.data?.orderStateChanged;
          if (r.errors?.length) this.errors.push(r.errors[0]!.message);
          if (!e) return;
          this.hear(e.order.sn, e.to);
        },
        error: (err) => {
          this.errors.push(err instanceof Error ? err.message : JSON.stringify(err).slice(0, 200));
          again();
        },
        complete: again,
      },
    );
  }

  /** Whether the client was unsubscribed around `at` (a second's slack either side for the events in flight). */
  wasAway(at: number): boolean {
    return this.gaps.some(([from, to]) => at >= from - 1_000 && at <= to + 1_000) || (this.downSince !== null && at >= this.downSince - 1_000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.client?.dispose();
  }
}

/** Waits until both gateways hold the listeners of every subscriber (so no early event is missed). */
export async function waitUntilListening(cluster: Cluster, subscribers: Subscriber[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const side of ['A', 'B'] as Side[]) {
    const want = subscribers.filter((s) => s.side === side).length;
    for (;;) {
      try {
        const r = await fetch(`${cluster.gatewayUrl(side)}/healthz/subscriptions`);
        const stats = (await r.json()) as { hub: { listeners: number } };
        if (stats.hub.listeners >= want) break;
      } catch {
        // gateway busy; ask again
      }
      if (Date.now() > deadline) throw new Error(`gateway ${side} does not hold the ${want} subscriptions after ${timeoutMs / 1000}s`);
      await new Promise((r) => setTimeout(r, 200));
    }
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
