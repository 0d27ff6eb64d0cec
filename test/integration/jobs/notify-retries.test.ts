import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../../lib/redis.js';
import { CAPPED_BACKOFF_MAX_MS, queueOptions, retryWindowMs, workerOptions } from '../../../lib/queues.js';
import { PAY_SUCCESS_NOTIFY_JOB_OPTIONS } from '../../../subgraphs/order/mq/queues.js';

/**
 * Found by the fault soak (seed 7007, a loaded machine): the order service stayed unreachable for
 * about ten minutes, the pay-success-notify job used up its 10 exponential attempts (8.5 minutes)
 * and failed for good, and two paid guests never got their check-in code. Nothing else sends that
 * message, so its job must outlast any outage worth planning for, retrying often enough to
 * deliver soon after the service is back.
 */
const connections = [createRedis(), createRedis()];
const name = `capped-backoff-test-${randomUUID().slice(0, 8)}`;
const queue = new Queue(name, queueOptions(connections[0]));

afterAll(async () => {
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  for (const c of connections) c.disconnect();
});

describe('pay-success notification retries', () => {
  it('keep trying for more than a day, at most a minute apart', () => {
    expect(retryWindowMs(PAY_SUCCESS_NOTIFY_JOB_OPTIONS)).toBeGreaterThan(24 * 3600_000);
    expect(PAY_SUCCESS_NOTIFY_JOB_OPTIONS.backoff.type).toBe('capped');
    expect(CAPPED_BACKOFF_MAX_MS).toBeLessThanOrEqual(60_000);
  });

  it('use a backoff every worker knows: a job failing twice runs again after doubling delays and completes', async () => {
    await queue.add('flaky', {}, { jobId: 'flaky', attempts: 5, backoff: { type: 'capped', delay: 300 } });
    const runs: number[] = [];
    const worker = new Worker(
      name,
      async () => {
        runs.push(Date.now());
        if (runs.length < 3) throw new Error('service unavailable');
      },
      workerOptions(connections[1]),
    );
    try {
      await new Promise<void>((resolve, reject) => {
        worker.on('completed', () => resolve());
        // Without the strategy in the worker's settings BullMQ fails the job at its first retry.
        worker.on('failed', (job, err) => job && job.attemptsMade >= 5 && reject(err));
        setTimeout(() => reject(new Error(`not completed within 15 s (${runs.length} runs)`)), 15_000);
      });
      expect(runs).toHaveLength(3);
      expect(runs[1] - runs[0]).toBeGreaterThanOrEqual(290);
      expect(runs[2] - runs[1]).toBeGreaterThanOrEqual(590);
    } finally {
      await worker.close();
    }
  }, 30_000);
});
