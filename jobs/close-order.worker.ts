import { Worker } from 'bullmq';
import { createRedis } from '../lib/redis.js';
import { openOrderDomain } from './order-domain.js';
import { QUEUES, workerOptions, type CloseOrderJob } from './queues.js';
import type { JobRunner } from './registry.js';
import { traced } from '../lib/request-context.js';

/**
 * close-order: the delayed job createHomestayOrder adds (jobId = sn, delay = ORDER_PAY_TIMEOUT).
 * Closes the order only while it is WAIT_PAY (→ CANCELLED, closed_at set) and releases its nights;
 * running it again changes nothing. When the homestay service is down the job throws and BullMQ
 * retries it with exponential backoff (CLOSE_ORDER_JOB_OPTIONS).
 */
export const closeOrderRunner: JobRunner = {
  name: 'close-order',
  async start(log) {
    const domain = await openOrderDomain(log);
    const connection = createRedis(); // ours to close: BullMQ does not close a connection it is handed
    const worker = new Worker<CloseOrderJob>(
      QUEUES.closeOrder,
      traced(async (job) => {
        const outcome = await domain.service().closeIfUnpaid(job.data.sn);
        log.debug({ sn: job.data.sn, outcome }, 'close-order done');
        return outcome;
      }),
      // As looklook's asynq server: 20 jobs at a time per process.
      { ...workerOptions(connection), concurrency: 20 },
    );
    worker.on('failed', (job, err) => log.warn({ sn: job?.data.sn, attempt: job?.attemptsMade, err: err.message }, 'close-order failed; will retry'));
    worker.on('error', (err) => log.error({ err }, 'close-order worker error'));
    await worker.waitUntilReady();
    return {
      close: async () => {
        await worker.close();
        connection.disconnect();
        await domain.close();
      },
    };
  },
};
