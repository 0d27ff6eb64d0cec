/**
 * What one graphql-ws socket, and one user, may hold at the gateway. A client that subscribes and
 * completes in a tight loop must not be able to pile up work (owner checks, listeners) faster than
 * the gateway sheds it, and one user must not be able to open sockets without end.
 *
 * Hand-written rather than a rate-limit library: these are per-socket counters in one process that
 * die with the socket, with no key space, store or expiry to manage.
 */

/** A token bucket: `capacity` operations at once, refilled at `perSecond`. */
export class TokenBucket {
  private tokens: number;
  private last = performance.now();

  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
  ) {
    this.tokens = capacity;
  }

  /** Takes one token; returns 0 when granted, else the seconds until one is free (at least 1). */
  take(): number {
    if (this.perSecond <= 0) return 0; // rate limit off
    const now = performance.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - this.tokens) / this.perSecond));
  }
}

/** What a cancelled operation ends: its event stream (a method call, not a closure per operation). */
export interface Cancellable {
  return(): unknown;
}

/**
 * One operation of a socket, from its subscribe message until nothing of it is left: it counts
 * against the socket's limit for all that time, including while it is still being checked.
 * graphql-ws calls `return()` of whatever sits in `ctx.subscriptions[id]` when the client completes
 * the operation or the socket closes; the operation itself is put there while it is set up (it
 * looks like an async iterator that has ended), so a completion that arrives before the
 * subscription exists cancels it at once.
 */
export class SocketOperation implements AsyncIterableIterator<never> {
  private cancelled = false;
  private released = false;
  private target: Cancellable | undefined;

  constructor(private readonly owner: SocketLimits) {}

  get isCancelled(): boolean {
    return this.cancelled;
  }

  /** Ends `target` when the client completes the operation or the socket closes (now, if it already did). */
  cancels(target: Cancellable): void {
    if (this.cancelled) void target.return();
    else this.target = target;
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    const target = this.target;
    this.target = undefined;
    void target?.return();
  }

  /** Frees the operation's slot (idempotent). */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.target = undefined;
    this.owner.forget(this);
  }

  async next(): Promise<IteratorResult<never>> {
    return { done: true, value: undefined };
  }

  /** graphql-ws's completion of the id (or the socket's close) while the operation is set up. */
  async return(): Promise<IteratorResult<never>> {
    this.cancel();
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}

/** The operations of one socket and its subscribe rate. */
export class SocketLimits {
  // A set, not a map by the client's id: a client may reuse an id once it completed it, while the
  // earlier operation of that id is still winding down and must still count.
  private readonly operations = new Set<SocketOperation>();
  private readonly bucket: TokenBucket;

  constructor(
    private readonly maxOperations: number,
    ratePerSecond: number,
  ) {
    // A client may open all its subscriptions at once; after that, new ones come at the rate.
    this.bucket = new TokenBucket(Math.max(maxOperations, 1), ratePerSecond);
  }

  get size(): number {
    return this.operations.size;
  }

  /** Admits one operation, or says why not: `{ retryAfter }` past the rate, `{ full }` past the operation limit. */
  admit(): SocketOperation | { retryAfter: number } | { full: true } {
    const retryAfter = this.bucket.take();
    if (retryAfter) return { retryAfter };
    if (this.operations.size >= this.maxOperations) return { full: true };
    const op = new SocketOperation(this);
    this.operations.add(op);
    return op;
  }

  /** An operation released its slot. */
  forget(op: SocketOperation): void {
    this.operations.delete(op);
  }

  /** The socket closed: every operation is cancelled. */
  cancelAll(): void {
    for (const op of [...this.operations.values()]) op.cancel();
  }
}

/** Open sockets per user in this gateway process. */
export class UserSockets {
  private readonly open = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Counts one more socket for the user, unless the user is at the limit (0 = no limit). */
  acquire(userId: string): boolean {
    const n = this.open.get(userId) ?? 0;
    if (this.max > 0 && n >= this.max) return false;
    this.open.set(userId, n + 1);
    return true;
  }

  release(userId: string): void {
    const n = (this.open.get(userId) ?? 0) - 1;
    if (n > 0) this.open.set(userId, n);
    else this.open.delete(userId);
  }

  get users(): number {
    return this.open.size;
  }
}
