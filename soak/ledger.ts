/**
 * What the soak's clients did and saw, for the report and for the few checks that need to know
 * the client's side (which refunds the "provider" asked for itself).
 */
export interface Guest {
  userId: string;
  token: string;
}

export interface BookedOrder {
  sn: string;
  guest: Guest;
  homestayId: string;
  total: number;
  payDeadline: number;
  plan: string;
}

export class Ledger {
  /** Requests made, by operation. */
  readonly ops = new Map<string, number>();
  /** What came of them, and other things worth counting (sold out, conflicts, refunds asked for). */
  readonly outcomes = new Map<string, number>();
  readonly faults = new Map<string, number>();
  readonly orders = new Map<string, BookedOrder>();
  /** Payments the soak's provider refunded on its own (a REFUND callback); any other refund is the platform's. */
  readonly refundRequested = new Set<string>();
  /** Payments the provider captured: a SUCCESS notice the platform acknowledged. Their money must end up used or returned. */
  readonly captured = new Set<string>();
  /** Orders whose stay the soak moved into the past so that settlement runs on them. */
  readonly timeTravelled = new Set<string>();
  /** Unexpected answers (INTERNAL_SERVER_ERROR and the like), counted by operation, code and message. */
  readonly oddities = new Map<string, number>();

  op(name: string): void {
    this.ops.set(name, (this.ops.get(name) ?? 0) + 1);
  }

  outcome(name: string): void {
    this.outcomes.set(name, (this.outcomes.get(name) ?? 0) + 1);
  }

  fault(kind: string): void {
    this.faults.set(kind, (this.faults.get(kind) ?? 0) + 1);
  }

  odd(what: string): void {
    // Order and payment numbers differ in every message; the kind of answer is what matters.
    const key = what
      .replace(/<[^>]*>/g, ' ')
      .replace(/\b(HSO|PMT)\d+/g, '$1…')
      .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:<port>')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 160);
    this.oddities.set(key, (this.oddities.get(key) ?? 0) + 1);
  }

  get totalOps(): number {
    return [...this.ops.values()].reduce((a, b) => a + b, 0);
  }
}

/** `a 3, b 2` in descending order. */
export function summary(m: Map<string, number>): string {
  return [...m].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0])).map(([k, v]) => `${k} ${v}`).join(', ');
}
