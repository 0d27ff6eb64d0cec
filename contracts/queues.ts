import type { TraceCarrier } from '../lib/request-context.js';

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

export interface PaySuccessNotifyJob {
  orderSn: string;
  /** Trace context of the payment event that paid the order. */
  trace?: TraceCarrier;
}

export interface CloseOrderJob {
  sn: string;
  /** Trace context of the request that booked (lib/request-context.ts withTrace/traced). */
  trace?: TraceCarrier;
}
