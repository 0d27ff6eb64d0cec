import type { Logger } from 'pino';
import type { JobRunner } from '../lib/job-runner.js';
import { orderRunners } from '../subgraphs/order/mq/index.js';

/** Every runner the jobs process starts: each service exports its own. */
export const runners: JobRunner[] = [...orderRunners];

export async function startJobs(log: Logger) {
  const started: { close(): Promise<void> }[] = [];
  for (const runner of runners) {
    started.push(await runner.start(log.child({ job: runner.name })));
  }
  return {
    names: runners.map((r) => r.name),
    close: async () => {
      // All at once: on SIGTERM every worker and consumer stops taking work at the same moment
      // (one after another, a worker closed last kept taking jobs that fell due while the Kafka
      // consumer was leaving its group: found by the graceful-shutdown test). Each runner owns what
      // it closes; a job queued after its worker closed waits in Redis for the next process.
      await Promise.all(started.map((s) => s.close()));
    },
  };
}
