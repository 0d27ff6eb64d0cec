import type { Logger } from 'pino';
import { config } from '../lib/config.js';
import { callService } from '../lib/internal-client.js';
import type { OrderView } from '../subgraphs/order/service.js';
import { QUEUES } from './queues.js';
import type { JobRunner } from './registry.js';
import { startScheduledJob } from './scheduled-job.js';

const BATCH = 200;

/**
 * One settle run: every WAIT_USE order whose stay has ended gets its settlement record (insert
 * once per order sn) and then becomes USED (a guarded transition). A crash between the two leaves
 * the order WAIT_USE, so the next run finishes it; the record is not written twice.
 */
export async function settleOnce(log: Logger): Promise<{ settled: number; failed: number }> {
  let settled = 0;
  let failed = 0;
  for (let round = 0; round < 50; round++) {
    const { orders } = await callService<{ orders: OrderView[] }>('jobs', 'order', '/orders/due-for-settlement', { limit: BATCH });
    if (!orders.length) break;
    let roundFailed = 0;
    for (const o of orders) {
      try {
        await callService('jobs', 'payment', '/settlements/record', {
          orderSn: o.sn,
          businessId: String(o.businessId),
          amount: o.total,
          periodStart: o.checkIn,
          periodEnd: o.checkOut,
        });
        await callService('jobs', 'order', '/orders/transition', { sn: o.sn, to: 'USED' });
        settled += 1;
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
  start: (log) =>
    startScheduledJob({
      queue: QUEUES.settleRecord,
      repeat: { pattern: config().settleRecordCron, tz: config().appTimezone },
      jobName: 'settle',
      run: () => settleOnce(log),
      log,
    }),
};
