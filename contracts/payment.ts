import type express from 'express';
import { visit, type DocumentNode } from 'graphql';
import { z } from 'zod';
import { fields, parseMessage, route } from '../lib/contract.js';

/** A payment's status (looklook's pay_status codes live in the payment service's entities). */
export const PAYMENT_STATUSES = ['WAITING', 'SUCCESS', 'FAILED', 'REFUNDED'] as const;
export const PaymentStatus = z.enum(PAYMENT_STATUSES);
export type PaymentStatus = z.infer<typeof PaymentStatus>;

/** A payment as the order side reads it now (events only say which payment changed). */
export const PaymentState = z.object({
  sn: z.string(),
  orderSn: z.string(),
  status: PaymentStatus,
  /** Holds the order's live slot: the one payment that may pay the order (or did). */
  live: z.boolean(),
  amount: fields.cents,
  paidAt: fields.instant.nullable(),
  /**
   * Cents given back once REFUNDED (part of amount for a guest's refund by policy); null before.
   * Absent in replies of payment services older than refunds by policy: read as null.
   */
  refundAmount: fields.cents.nullable().default(null),
});
export type PaymentState = z.infer<typeof PaymentState>;

/** The payment service's answer to "close this order's payments". */
export const CloseVerdict = z.discriminatedUnion('outcome', [
  /** A payment of the order succeeded: the order is paid, not closed. */
  z.object({ outcome: z.literal('paid'), paymentSn: z.string(), amount: fields.cents, paidAt: fields.instant }),
  /** The deadline has not come by this service's clock: nothing changed, ask again at the deadline. */
  z.object({ outcome: z.literal('open') }),
  /** No payment succeeded; the waiting ones are FAILED now, so a later success is a late capture. */
  z.object({ outcome: z.literal('closed'), failed: z.array(z.string()) }),
]);
export type CloseVerdict = z.infer<typeof CloseVerdict>;

/** The most orders one close-for-orders call may carry. */
export const CLOSE_BATCH_MAX = 500;

/** The most payments one states call may ask for. */
export const PAYMENT_STATES_MAX = 200;

/** The payment service's internal API (service credential only, under /internal). */
export const paymentRoutes = {
  /** Payments as they are now, for payment events; an unknown sn is left out of the reply. */
  states: route(
    'payment',
    '/payments/states',
    z.object({ sns: z.array(z.string().min(1, 'sn is required').max(64)).min(1, 'sns must not be empty').max(PAYMENT_STATES_MAX, `at most ${PAYMENT_STATES_MAX} sns at once`) }),
    z.object({ payments: z.array(PaymentState) }),
  ),
  /** Refunds a payment that took money for an order it cannot pay; idempotent. */
  refund: route(
    'payment',
    '/payments/refund',
    z.object({ paymentSn: z.string().min(1).max(64), reason: z.string().max(255).default('order closed before the payment arrived') }),
    z.object({ sn: z.string(), orderSn: z.string(), payStatus: z.number().int() }),
  ),
  /**
   * Gives back `amount` (at most the payment's) of the order's live, successful payment: a guest's
   * refund by policy (the order is REFUNDED already). Once per order, however often asked: the same
   * amount again answers as the first call did; another amount for a refunded payment is CONFLICT,
   * and so is an order without a successful live payment.
   */
  refundOrder: route(
    'payment',
    '/payments/refund-order',
    z.object({
      orderSn: fields.sn,
      amount: fields.cents.min(1, 'amount must be positive: a refund of nothing asks nothing of the payment service'),
      reason: z.string().max(255).default('refund requested by the guest'),
    }),
    z.object({ paymentSn: z.string(), orderSn: z.string(), refundAmount: fields.cents }),
  ),
  /**
   * Closes the order's payments: the close-order job at the order's deadline (`deadline`), or a
   * guest's cancel (`byGuest`: now). `paid` when one already succeeded.
   */
  closeForOrder: route(
    'payment',
    '/payments/close-for-order',
    z.union([
      z.object({ orderSn: z.string().min(1, 'orderSn is required').max(64), byGuest: z.literal(true) }),
      z.object({ orderSn: z.string().min(1, 'orderSn is required').max(64), deadline: fields.instant, byGuest: z.literal(false).optional() }),
    ]),
    CloseVerdict,
  ),
  /**
   * closeForOrder at the deadline for many orders in one call (the close-order jobs of one moment):
   * a verdict per order sn, each as closeForOrder would answer for that order alone.
   */
  closeForOrders: route(
    'payment',
    '/payments/close-for-orders',
    z.object({ orders: z.array(z.object({ orderSn: fields.sn, deadline: fields.instant })).min(1).max(CLOSE_BATCH_MAX) }),
    z.object({ verdicts: z.record(z.string(), CloseVerdict) }),
  ),
};

/**
 * The message the payment outbox relay publishes to `payment-update-paystatus` (key = order sn),
 * and the order service's payment-status consumer reads. looklook sent `{payStatus, orderSn}` with
 * the payment sn in orderSn; this carries both, plus an id for idempotent consumption.
 */
export const PaymentStatusEvent = z.object({
  eventId: z.string().min(1).max(64),
  orderSn: z.string().min(1),
  paymentSn: z.string().min(1),
  payStatus: PaymentStatus,
  /** cents */
  amount: z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER),
  /** ISO 8601 instant the payment succeeded, or null. */
  paidAt: fields.instant.nullable(),
});
export type PaymentStatusEvent = z.infer<typeof PaymentStatusEvent>;

/** Parses a message body; anything malformed is null (the consumer logs and skips it). */
export const parsePaymentStatusEvent = (value: Buffer | string | null | undefined): PaymentStatusEvent | null => parseMessage(PaymentStatusEvent, value);

/**
 * A provider callback's body that cannot be read (too large, cut off) is answered as every
 * callback reply is: a plain `FAIL` (the provider calls again), never a JSON error. Used by the
 * payment service's route and by the gateway that forwards it.
 */
export const callbackBodyError: express.ErrorRequestHandler = (err, _req, res, next) => {
  if (res.headersSent) return next(err);
  const status = (err as { status?: number }).status;
  res.status(status && status >= 400 && status < 500 ? status : 400).type('text/plain').send('FAIL');
};

/**
 * The development-only part of the payment schema: the sandboxPay mutation (and its enum) that
 * lets QA pay from the playground. Production drops it twice: from the payment subgraph's schema,
 * and from the supergraph the gateway serves, so that it is absent, not merely refused.
 */
export function withoutSandbox(doc: DocumentNode): DocumentNode {
  return visit(doc, {
    FieldDefinition: (node) => (node.name.value === 'sandboxPay' ? null : undefined),
    EnumTypeDefinition: (node) => (node.name.value === 'SandboxOutcome' ? null : undefined),
  });
}
