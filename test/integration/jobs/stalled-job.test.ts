import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../../lib/redis.js';
import { queueOptions, workerOptions } from '../../../lib/queues.js';

/**
 * A jobs process killed mid-job leaves the job active under a lock nobody renews. Every worker's
 * options must hand such a job to a live worker within seconds, not BullMQ's default minute or more.
 */
const connections = [createRedis(), createRedis(), createRedis()];
const name = `stalled-test-${randomUUID().slice(0, 8)}`;
const queue = new Queue(name, queueOptions(connections[0]));

afterAll(async () => {
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  for (const c of connections) c.disconnect();
});

describe('worker options', () => {
  it('give a job whose worker died mid-job to a live worker within 20 s', async () => {
    await queue.add('work', { n: 1 }, { jobId: 'the-job', attempts: 3 });
    // The worker that "dies": it takes the job (active, locked for lockDuration) and is never heard of again.
    const dead = new Worker(name, null, { ...workerOptions(connections[1]), autorun: false });
    const taken = await dead.getNextJob(randomUUID());
    expect(taken?.id).toBe('the-job');
    expect(await queue.getJobState('the-job')).toBe('active');

    const diedAt = Date.now();
    let ranAfter: number | undefined;
    const live = new Worker(name, async () => void (ranAfter = Date.now() - diedAt), workerOptions(connections[2]));
    try {
      await new Promise<void>((resolve, reject) => {
        live.on('completed', () => resolve());
        setTimeout(() => reject(new Error('the stalled job did not run again within 20 s')), 20_000);
      });
      expect(ranAfter).toBeDefined();
      expect(await queue.getJobState('the-job')).toBe('completed');
    } finally {
      await live.close();
      await dead.close(true);
    }
  }, 30_000);
});
