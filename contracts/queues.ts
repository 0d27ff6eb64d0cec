import { z } from 'zod';
import { fields } from '../lib/contract.js';

/**
 * BullMQ queue names and job payloads. Producers and workers import them from here, so a name or a
 * payload shape cannot drift between the two sides; the gateway's queue board lists them.
 */
export const QUEUES = {
  /** Delayed job per order (jobId = order sn, delay = ORDER_PAY_TIMEOUT): close it if still unpaid. */
  closeOrder: 'close-order',
  /** Repeating job: close overdue WAIT_PAY orders whose job was lost, release orphaned reservations. */
  orderSweep: 'order-sweep',
  /** Per paid order (jobId = pay-success-<sn>): tell the guest the order is paid and their check-in code. */
  paySuccessNotify: 'pay-success-notify',
  /** Cron (SETTLE_RECORD_CRON, every minute): finished stays become USED with one settlement record. */
  settleRecord: 'settle-record',
} as const;

/** Trace context of the request or event that queued the job (lib/request-context.ts withTrace/traced). */
const Trace = z.object({ traceparent: z.string().max(64), 'x-request-id': z.string().max(128) });

/** Per paid order: the guest's message; the worker reads the order itself. */
export const PaySuccessNotifyJob = z.object({ orderSn: fields.sn, trace: Trace.optional() });
export type PaySuccessNotifyJob = z.infer<typeof PaySuccessNotifyJob>;

/** Per order: close it at its deadline if still unpaid. */
export const CloseOrderJob = z.object({ sn: fields.sn, trace: Trace.optional() });
export type CloseOrderJob = z.infer<typeof CloseOrderJob>;
