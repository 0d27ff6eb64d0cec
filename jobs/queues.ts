import { Queue, type ConnectionOptions, type QueueOptions, type WorkerOptions } from 'bullmq';
import { config } from '../lib/config.js';
import type { TraceCarrier } from '../lib/request-context.js';
import { createRedis } from '../lib/redis.js';

/**
 * BullMQ queue names and job payloads. Producers (the subgraphs) and the jobs process import them
 * from here, so a name or a payload shape cannot drift between the two sides.
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

/** Delivery retries with backoff: a notifier that is down gets the message later. */
export const PAY_SUCCESS_NOTIFY_JOB_OPTIONS = {
  attempts: 10,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

export interface CloseOrderJob {
  sn: string;
  /** Trace context of the request that booked (lib/request-context.ts withTrace/traced). */
  trace?: TraceCarrier;
}

/** Every queue lives in the namespace (BullMQ's key prefix), so test runs never see each other. */
export function queueOptions(connection: ConnectionOptions = createRedis()): QueueOptions {
  return { prefix: config().namespace, connection };
}

/**
 * Options of every worker. A job whose worker was killed stays active under its lock until the
 * lock expires and a stalled check has seen it twice; with BullMQ's defaults (30 s lock, checks
 * every 30 s) that job waits a minute or more before another worker runs it. These bring it to
 * about 15 s. The lock is renewed every 5 s while a job runs, so only an event loop blocked for
 * 10 s would lose a running job to another worker (and the jobs are safe to run twice).
 */
export function workerOptions(connection: ConnectionOptions = createRedis()): WorkerOptions {
  return { ...queueOptions(connection), lockDuration: 10_000, stalledInterval: 5_000 };
}

/** Retries with exponential backoff: a close that fails because a service is down runs again later. */
export const CLOSE_ORDER_JOB_OPTIONS = {
  attempts: 12,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

export function closeOrderQueue(connection?: ConnectionOptions): Queue<CloseOrderJob> {
  return new Queue<CloseOrderJob>(QUEUES.closeOrder, queueOptions(connection));
}
