import { Worker, type ConnectionOptions, type Job, type Processor, type QueueOptions, type WorkerOptions } from 'bullmq';
import type { Logger } from 'pino';
import { config } from './config.js';
import { createRedis } from './redis.js';

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
  return { ...queueOptions(connection), lockDuration: 10_000, stalledInterval: 5_000, settings: { backoffStrategy } };
}

/**
 * Backoff type `capped`: doubling from the job's delay up to one minute, then every minute. With
 * BullMQ's plain `exponential`, a retry budget long enough to outlast a day's outage would wait
 * hours between late attempts; capped, a job keeps trying every minute and runs soon after the
 * service it needs is back.
 */
export const CAPPED_BACKOFF_MAX_MS = 60_000;
export function cappedDelay(attemptsMade: number, delay: number): number {
  return Math.min(CAPPED_BACKOFF_MAX_MS, delay * 2 ** Math.max(0, attemptsMade - 1));
}
function backoffStrategy(attemptsMade: number, type?: string, _err?: Error, job?: { opts?: { backoff?: number | { delay?: number } } }): number {
  if (type !== 'capped') return 0;
  const backoff = job?.opts?.backoff;
  return cappedDelay(attemptsMade, (typeof backoff === 'object' ? backoff.delay : undefined) ?? 1_000);
}

/** How long a job with these options keeps retrying before it fails for good (ms). */
export function retryWindowMs(opts: { attempts: number; backoff: { type: string; delay: number } }): number {
  let total = 0;
  for (let made = 1; made < opts.attempts; made += 1) {
    total += opts.backoff.type === 'capped' ? cappedDelay(made, opts.backoff.delay) : opts.backoff.delay * 2 ** (made - 1);
  }
  return total;
}

export interface StartedWorker {
  /** Stops taking jobs, waits for the running ones, then drops the worker's connection. */
  close(): Promise<void>;
}

/**
 * A worker of the queue on a Redis connection of its own (BullMQ does not close a connection it
 * is handed), with workerOptions, its errors logged, ready to take jobs when returned.
 */
export async function startWorker<T>(
  queue: string,
  processor: Processor<T>,
  opts: { concurrency: number; log: Logger; onFailed?: (job: Job<T> | undefined, err: Error) => void },
): Promise<StartedWorker> {
  const connection = createRedis();
  const worker = new Worker<T>(queue, processor, { ...workerOptions(connection), concurrency: opts.concurrency });
  if (opts.onFailed) worker.on('failed', opts.onFailed);
  worker.on('error', (err) => opts.log.error({ err }, `${queue} worker error`));
  await worker.waitUntilReady();
  return {
    close: async () => {
      await worker.close();
      connection.disconnect();
    },
  };
}
