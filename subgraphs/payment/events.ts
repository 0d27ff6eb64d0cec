import type { PaymentStatus } from './entities.js';

/**
 * The message the outbox relay publishes to `payment-update-paystatus` (key = order sn), and the
 * payment-status consumer in the jobs process reads. looklook sent `{payStatus, orderSn}` with the
 * payment sn in orderSn; this carries both, plus an id for idempotent consumption.
 */
export interface PaymentStatusEvent {
  eventId: string;
  orderSn: string;
  paymentSn: string;
  payStatus: PaymentStatus;
  /** cents */
  amount: number;
  /** ISO 8601 instant the payment succeeded, or null. */
  paidAt: string | null;
}

const STATUSES: readonly PaymentStatus[] = ['WAITING', 'SUCCESS', 'FAILED', 'REFUNDED'];

/** Parses a message body; anything malformed is null (the consumer logs and skips it). */
export function parsePaymentStatusEvent(value: Buffer | string | null | undefined): PaymentStatusEvent | null {
  if (value == null) return null;
  try {
    const e = JSON.parse(value.toString()) as Record<string, unknown>;
    if (typeof e.eventId !== 'string' || !e.eventId || e.eventId.length > 64) return null;
    if (typeof e.orderSn !== 'string' || !e.orderSn || typeof e.paymentSn !== 'string' || !e.paymentSn) return null;
    if (!STATUSES.includes(e.payStatus as PaymentStatus)) return null;
    if (typeof e.amount !== 'number' || !Number.isSafeInteger(e.amount)) return null;
    if (e.paidAt !== null && (typeof e.paidAt !== 'string' || Number.isNaN(Date.parse(e.paidAt)))) return null;
    return e as unknown as PaymentStatusEvent;
  } catch {
    return null;
  }
}
