import { ORDER_STATE_STEP, type OrderStateEvent } from '../contracts/order.js';
import type { OrderEventHub, OrderEventListener } from './order-events-listener.js';
import type { PayloadResolver } from './payload-resolver.js';
import type { SocketOperation } from './socket-limits.js';
import type { PayloadPlan } from './subscription-payload.js';

/** Orders whose last step a stream remembers (a user's own orders: far fewer in practice). */
const MAX_REMEMBERED_ORDERS = 1000;

/**
 * A subscriber's event stream: a bounded queue filled by the hub, drained by graphql-ws. It is
 * itself the hub's listener and what its operation cancels, and it holds what it must undo as
 * fields rather than closures: thousands of idle subscriptions are mostly this object.
 *
 * A subscriber only ever hears an order move forward: an event whose state is not past the last
 * one it heard of that order (ORDER_STATE_STEP) is skipped as it is taken from the queue, so a
 * change published again or late (the order relay after a lost mark, heard by a gateway that
 * restarted and forgot the event ids) cannot leave a client showing an older state.
 *
 * `return()` ends it at once and undoes what it holds (the hub listener, the operation's slot),
 * whether these were attached before or after: a subscription completed while it was still being
 * set up leaves nothing registered.
 */
export class EventStream implements AsyncIterableIterator<unknown>, OrderEventListener {
  /** Allocated on the first event that finds no waiting reader. */
  private queue: OrderStateEvent[] | undefined;
  private waiter: ((e: OrderStateEvent | null) => void) | undefined;
  private done = false;
  private hub: OrderEventHub | undefined;
  private operation: SocketOperation | undefined;
  /** The step of the last state heard per order, from the first event on. */
  private heard: Map<string, number> | undefined;

  constructor(
    readonly userId: string,
    readonly sn: string | undefined,
    private readonly payloads: PayloadResolver,
    private readonly plan: PayloadPlan,
    private readonly maxQueue: number,
  ) {}

  get ended(): boolean {
    return this.done;
  }

  /** Registers the stream with the hub; it is removed when the stream ends (at once, if it ended meanwhile). */
  async listen(hub: OrderEventHub): Promise<void> {
    if (this.done) return;
    this.hub = hub;
    await hub.add(this);
    if (this.done) hub.remove(this);
  }

  /** Releases the operation's slot when the stream ends (now, if it already did). */
  releaseWhenEnded(operation: SocketOperation): void {
    if (this.done) operation.release();
    else this.operation = operation;
  }

  /** The hub's delivery. */
  onEvent(event: OrderStateEvent): void {
    this.push(event);
  }

  push(event: OrderStateEvent): void {
    if (this.done) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w(event);
      return;
    }
    const queue = (this.queue ??= []);
    // A subscriber that cannot keep up loses its oldest events, not the process's memory.
    if (queue.length >= this.maxQueue) queue.shift();
    queue.push(event);
  }

  /** Puts an event ahead of everything queued (the order's current state, read after listening began). */
  pushFirst(event: OrderStateEvent): void {
    if (this.done) return;
    if (this.waiter) return this.push(event);
    (this.queue ??= []).unshift(event);
  }

  /** Whether the event moves its order past what this stream has told (and remembers it if so). */
  private isNews(event: OrderStateEvent): boolean {
    const step = ORDER_STATE_STEP[event.to];
    const heard = (this.heard ??= new Map());
    const last = heard.get(event.sn);
    if (last !== undefined && step <= last) return false;
    heard.delete(event.sn);
    if (heard.size >= MAX_REMEMBERED_ORDERS) heard.delete(heard.keys().next().value!);
    heard.set(event.sn, step);
    return true;
  }

  async next(): Promise<IteratorResult<unknown>> {
    let event: OrderStateEvent | null | undefined;
    do {
      if (this.done) return { done: true, value: undefined };
      event = this.queue?.shift() ?? (await new Promise<OrderStateEvent | null>((r) => (this.waiter = r)));
      if (!event || this.done) return { done: true, value: undefined };
    } while (!this.isNews(event));
    const value = await this.payloads.payload(this.plan, event, this.userId);
    return this.done ? { done: true, value: undefined } : { done: false, value };
  }

  async return(): Promise<IteratorResult<unknown>> {
    if (!this.done) {
      this.done = true;
      this.queue = undefined;
      this.hub?.remove(this);
      this.hub = undefined;
      this.operation?.release();
      this.operation = undefined;
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
