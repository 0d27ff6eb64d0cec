import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createRedis } from '../lib/redis.js';
import { ORDER_STATE_CHANNEL, parseOrderStateEvent, type OrderStateEvent } from '../contracts/order.js';

/** Event ids remembered to drop repeated deliveries of one change. */
const RECENT_IDS = 10_000;

/** A local subscriber: all of one user's orders, or one order (sn) of that user. */
export interface OrderEventListener {
  readonly userId: string;
  readonly sn?: string | undefined;
  onEvent(event: OrderStateEvent): void;
}

export interface OrderEventHubStats {
  /** Registered local listeners. */
  listeners: number;
  /** Users with at least one all-orders listener, and orders with at least one sn listener. */
  users: number;
  orders: number;
  /** Whether this process currently holds the Redis SUBSCRIBE on the channel. */
  redisSubscribed: boolean;
  /** 'message' listeners on the Redis connection (one while running; never grows). */
  redisMessageListeners: number;
}

/**
 * One Redis subscriber connection per gateway process, fanning the order service's state changes
 * out to this process's local subscribers. Events come from Redis pub/sub (never an in-process
 * bus), so a change raised behind any gateway instance reaches subscribers on every instance.
 *
 * The Redis subscription is held only while there is at least one local listener: the first
 * listener subscribes, removing the last one unsubscribes. Listeners are indexed by user (all of
 * their orders) and by order sn, and each index entry is deleted when its last listener goes.
 */
export class OrderEventHub {
  private readonly byUser = new Map<string, Set<OrderEventListener>>();
  private readonly bySn = new Map<string, Set<OrderEventListener>>();
  private count = 0;
  private redis: Redis | undefined;
  private subscribed = false;
  /** Subscribe/unsubscribe calls run one after another, converging on "subscribed iff listeners". */
  private sync: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly recentIds = new Set<string>();

  constructor(
    private readonly log?: Logger,
    private readonly channel = ORDER_STATE_CHANNEL(),
  ) {}

  /**
   * Registers a listener and resolves once this process's Redis subscription is confirmed, so an
   * event published after that is delivered. `remove(listener)` takes it out again: the listener
   * object is its own handle, so a subscription costs no removal closure.
   */
  async add(listener: OrderEventListener): Promise<void> {
    if (this.closed) throw new Error('order event hub is closed');
    const [index, key] = this.indexOf(listener);
    let set = index.get(key);
    if (!set) index.set(key, (set = new Set()));
    set.add(listener);
    this.count += 1;
    try {
      await this.reconcile();
    } catch (err) {
      this.remove(listener);
      throw err;
    }
  }

  /** Removes a listener (idempotent). */
  remove(listener: OrderEventListener): void {
    const [index, key] = this.indexOf(listener);
    const set = index.get(key);
    if (!set?.delete(listener)) return;
    this.count -= 1;
    if (set.size === 0) index.delete(key);
    void this.reconcile();
  }

  private indexOf(listener: OrderEventListener): [Map<string, Set<OrderEventListener>>, string] {
    return listener.sn ? [this.bySn, listener.sn] : [this.byUser, listener.userId];
  }

  stats(): OrderEventHubStats {
    return {
      listeners: this.count,
      users: this.byUser.size,
      orders: this.bySn.size,
      redisSubscribed: this.subscribed,
      redisMessageListeners: this.redis?.listenerCount('message') ?? 0,
    };
  }

  /** Delivers one event to the matching local listeners (the owner's, and the order's). */
  dispatch(event: OrderStateEvent): void {
    const targets = [...(this.byUser.get(event.userId) ?? []), ...(this.bySn.get(event.sn) ?? [])];
    for (const l of targets) {
      // An sn listener of another user never hears the order (the owner check happened at
      // subscribe time; this guards it once more).
      if (l.userId !== event.userId) continue;
      try {
        l.onEvent(event);
      } catch (err) {
        this.log?.error({ err }, 'order event listener failed');
      }
    }
  }

  /**
   * Whether this event id was dispatched already: the order service may publish a change twice
   * (its relay retrying after a crash), always with the same id. The most recent ids are kept;
   * a repeat comes within seconds, long before its id leaves the window.
   */
  private seenBefore(id: string): boolean {
    if (this.recentIds.has(id)) return true;
    this.recentIds.add(id);
    if (this.recentIds.size > RECENT_IDS) this.recentIds.delete(this.recentIds.values().next().value!);
    return false;
  }

  private connection(): Redis {
    if (!this.redis) {
      const redis = createRedis({ connectionName: 'gateway-order-events' });
      redis.on('message', (channel: string, message: string) => {
        if (channel !== this.channel) return;
        const event = parseOrderStateEvent(message);
        if (!event) {
          this.log?.warn({ message: message.slice(0, 200) }, 'malformed order state event ignored');
          return;
        }
        if (event.id && this.seenBefore(event.id)) return;
        this.dispatch(event);
      });
      redis.on('error', (err) => this.log?.warn({ err: err.message }, 'order events Redis connection error'));
      this.redis = redis;
    }
    return this.redis;
  }

  private reconcile(): Promise<void> {
    const next = this.sync.then(async () => {
      if (this.closed) return;
      const want = this.count > 0;
      if (want && !this.subscribed) {
        await this.connection().subscribe(this.channel);
        this.subscribed = true;
      } else if (!want && this.subscribed) {
        await this.connection().unsubscribe(this.channel);
        this.subscribed = false;
      }
    });
    // A failed call must not wedge the chain; the caller of add() still sees the error.
    this.sync = next.catch((err) => this.log?.error({ err }, 'order events Redis (un)subscribe failed'));
    return next;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.sync;
    this.byUser.clear();
    this.bySn.clear();
    this.count = 0;
    const redis = this.redis;
    this.redis = undefined;
    this.subscribed = false;
    if (redis) {
      redis.removeAllListeners('message');
      await redis.quit().catch(() => redis.disconnect());
    }
  }
}
