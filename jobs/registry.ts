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
      // Stop in reverse start order so consumers stop before what they feed.
      for (const s of started.reverse()) await s.close();
    },
  };
}
