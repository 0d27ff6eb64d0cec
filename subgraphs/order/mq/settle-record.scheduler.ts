import type { Logger } from 'pino';
import { config } from '../../../lib/config.js';
import { openOrderDomain, type OrderDomain } from './order-domain.js';
import { QUEUES } from '../../../contracts/queues.js';
import type { JobRunner } from '../../../lib/job-runner.js';
import { startScheduledJob } from '../../../lib/scheduled-job.js';

const BATCH = 200;

/**
 * One settle run: every order whose stay has ended and that is owed a settlement gets its one
 * settle_record (OrderTransitions.settle, one transaction per order in the order database): a
 * WAIT_USE order becomes USED with it, a checked-in (USED) or partly refunded order keeps its state.
 * An order that moved since it was listed (refunded in full, say) is left as the lock found it.
 */
export async function settleOnce(service: OrderDomain['service'], log: Logger): Promise<{ settled: number; failed: number }> {
  let settled = 0;
  let failed = 0;
  for (let round = 0; round < 50; round++) {
    const orders = await service().dueForSettlement(BATCH);
    if (!orders.length) break;
    let roundFailed = 0;
    for (const o of orders) {
      try {
        if ((await service().settle(o.sn)).changed) settled += 1;
      } catch (err) {
        roundFailed += 1;
        log.warn({ sn: o.sn, err: (err as Error).message }, 'settle-record failed for an order; next run retries');
      }
    }
    failed += roundFailed;
    if (orders.length < BATCH || roundFailed === orders.length) break;
  }
  if (settled || failed) log.info({ settled, failed }, 'settle-record run');
  return { settled, failed };
}

/** settle-record: a BullMQ job scheduler on SETTLE_RECORD_CRON (every minute), one run at a time per process. */
export const settleRecordRunner: JobRunner = {
  name: 'settle-record',
  async start(log) {
    const domain = await openOrderDomain(log);
    const scheduled = await startScheduledJob({
      queue: QUEUES.settleRecord,
      repeat: { pattern: config().settleRecordCron, tz: config().appTimezone },
      jobName: 'settle',
      run: () => settleOnce(domain.service, log),
      log,
    });
    return {
      close: async () => {
        await scheduled.close();
        await domain.close();
      },
    };
  },
};
