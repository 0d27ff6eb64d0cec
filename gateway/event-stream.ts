import type { OrderStateEvent } from '../contracts/order.js';

/**
 * A subscriber's event stream: a bounded queue filled by the hub, drained by graphql-ws.
 * `return()` ends it at once and runs its cleanup (the hub listener's removal), whether the
 * listener was attached before or after: a subscription completed while it was still being set
 * up leaves nothing registered.
 */
export class EventStream implements AsyncIterableIterator<unknown> {
  private readonly queue: OrderStateEvent[] = [];
  private waiter: ((e: OrderStateEvent | null) => void) | undefined;
  private done = false;
  private readonly cleanups: Array<() => void> = [];

  constructor(
    private readonly toPayload: (e: OrderStateEvent) => Promise<unknown>,
    private readonly maxQueue: number,
  ) {}

  get ended(): boolean {
    return this.done;
  }

  /** Adds what to undo when the stream ends; runs it now if the stream already ended. */
  attach(cleanup: () => void): void {
    if (this.done) cleanup();
    else this.cleanups.push(cleanup);
  }

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

  /** Puts an event ahead of everything queued (the order's current state, read after listening began). */
  pushFirst(event: OrderStateEvent): void {
    if (this.done) return;
    if (this.waiter) return this.push(event);
    this.queue.unshift(event);
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
      for (const cleanup of this.cleanups.splice(0)) cleanup();
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
