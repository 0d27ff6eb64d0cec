import type { Logger } from 'pino';
import { closeOrderRunner } from './close-order.worker.js';
import { orderEventRelayRunner } from './order-event-relay.js';
import { orderSweepRunner } from './order-sweep.scheduler.js';
import { paymentStatusConsumer } from './payment-status.consumer.js';
import { paySuccessNotifyRunner } from './pay-success-notify.worker.js';
import { settleRecordRunner } from './settle-record.scheduler.js';

/** A long-running part of the jobs process: a worker, a scheduler or a consumer. */
export interface JobRunner {
  name: string;
  start(log: Logger): Promise<{ close(): Promise<void> }>;
}

/** Every runner the jobs process starts; each issue's workers add themselves here. */
export const runners: JobRunner[] = [orderEventRelayRunner, closeOrderRunner, orderSweepRunner, paySuccessNotifyRunner(), settleRecordRunner, paymentStatusConsumer];

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
