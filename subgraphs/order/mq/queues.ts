import { Queue, type ConnectionOptions } from 'bullmq';
import { QUEUES, type CloseOrderJob } from '../../../contracts/queues.js';
import { RELEASE_BATCH_MAX } from '../../../contracts/homestay.js';
import { CLOSE_BATCH_MAX } from '../../../contracts/payment.js';
import { queueOptions } from '../../../lib/queues.js';

/**
 * Delivery retries: a notifier that is down gets the message later, however long it is down (up
 * to two days: then the job fails and stays listed under failed in the queue board). Nothing else
 * would send this message: the job is its only copy.
 */
export const PAY_SUCCESS_NOTIFY_JOB_OPTIONS = {
  attempts: 3_000,
  backoff: { type: 'capped', delay: 1_000 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

/** Retries with exponential backoff: a close that fails because a service is down runs again later. */
export const CLOSE_ORDER_JOB_OPTIONS = {
  attempts: 12,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

/**
 * Close-order jobs of one moment close together (close-order.worker.ts): up to this many orders
 * per round of calls, as many as the payment and homestay routes take in one call. 1,000 orders
 * due at once close in two batches; batches of 200 left them 0.8-1.2 s late, 500 left them
 * 0.4-0.66 s late (bench/orders.ts, issue 15).
 */
export const CLOSE_BATCH = Math.min(CLOSE_BATCH_MAX, RELEASE_BATCH_MAX);
/**
 * Close-order jobs at a time per jobs process: two batches' worth, so one fills while the other
 * runs (looklook's asynq server ran 20); a batch holds one order-database connection, not one per job.
 */
export const CLOSE_ORDER_CONCURRENCY = CLOSE_BATCH * 2;

export function closeOrderQueue(connection?: ConnectionOptions): Queue<CloseOrderJob> {
  return new Queue<CloseOrderJob>(QUEUES.closeOrder, queueOptions(connection));
}
