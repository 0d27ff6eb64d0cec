import { Queue, type RepeatOptions } from 'bullmq';
import type { Logger } from 'pino';
import { createRedis } from './redis.js';
import { queueOptions, startWorker } from './queues.js';

export interface ScheduledJob {
  /** Queue name, also the id of its BullMQ job scheduler (upserted, so restarts keep one). */
  queue: string;
  /** `{ every: ms }` or `{ pattern: cron, tz }`. */
  repeat: Omit<RepeatOptions, 'key'>;
  /** Name of each job the scheduler adds (shown in Bull Board). */
  jobName: string;
  run: () => Promise<unknown>;
  log: Logger;
}

/**
 * A job that runs on a schedule: one BullMQ job scheduler shared by every jobs process, so each
 * tick runs once in the whole deployment, and one run at a time per process.
 */
export async function startScheduledJob(job: ScheduledJob): Promise<{ close(): Promise<void> }> {
  // A connection of our own: BullMQ does not close a connection it is handed.
  const queueConnection = createRedis();
  const queue = new Queue(job.queue, queueOptions(queueConnection));
  await queue.upsertJobScheduler(job.queue, job.repeat, { name: job.jobName, data: {}, opts: { removeOnComplete: 100, removeOnFail: 100 } });
  const worker = await startWorker(job.queue, () => job.run(), { concurrency: 1, log: job.log });
  return {
    close: async () => {
      await worker.close();
      await queue.close();
      queueConnection.disconnect();
    },
  };
}
