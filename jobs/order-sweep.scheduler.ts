import type { Logger } from 'pino';
import { config } from '../lib/config.js';
import { homestayApi } from '../subgraphs/order/homestay-client.js';
import { openOrderDomain } from './order-domain.js';
import { QUEUES } from './queues.js';
import type { JobRunner } from './registry.js';
import { startScheduledJob } from './scheduled-job.js';

const BATCH = 500;
/** 50 pages of 500: the sweep looks at 25,000 held reservations a run at the most. */
const MAX_HELD_PAGES = 50;
const PARALLEL = 20;

async function inParallel<T>(items: T[], fn: (item: T) => Promise<unknown>): Promise<number> {
  let failed = 0;
  for (let i = 0; i < items.length; i += PARALLEL) {
    const results = await Promise.allSettled(items.slice(i, i + PARALLEL).map(fn));
    failed += results.filter((r) => r.status === 'rejected').length;
  }
  return failed;
}

/**
 * order-sweep: a BullMQ job scheduler (one run per ORDER_SWEEP_INTERVAL across all jobs
 * processes) that
 * 1. closes every WAIT_PAY order past its pay deadline, so an order closes even when its
 *    close-order job was lost or no worker ran at the deadline;
 * 2. fails bookings PENDING for longer than ORDER_ORPHAN_AGE (stalled or dead between their
 *    steps) and releases their nights: the guarded PENDING → FAILED races the booking's own
 *    PENDING → WAIT_PAY, and only the winner's view holds (README "Booking saga");
 * 3. releases room reservations older than ORDER_ORPHAN_AGE that have no live order (a FAILED
 *    booking whose release failed, a release that failed after a cancel, or no order row at all).
 */
export async function sweepOnce(service: () => ReturnType<Awaited<ReturnType<typeof openOrderDomain>>['service']>, log: Logger) {
  let closed = 0;
  let failed = 0;
  for (let round = 0; round < 20; round++) {
    const sns = await service().overdueSns(BATCH);
    if (!sns.length) break;
    const roundFailed = await inParallel(sns, async (sn) => {
      if ((await service().closeIfUnpaid(sn)) === 'closed') closed += 1;
    });
    failed += roundFailed;
    if (sns.length < BATCH || roundFailed === sns.length) break;
  }
  let failedBookings = 0;
  let released = 0;
  try {
    for (let round = 0; round < 20; round++) {
      const sns = await service().stalePendingSns(config().orderOrphanAgeMs, BATCH);
      if (!sns.length) break;
      const roundFailed = await inParallel(sns, async (sn) => {
        if ((await service().failStalePending(sn)) === 'failed') failedBookings += 1;
      });
      failed += roundFailed;
      if (sns.length < BATCH || roundFailed === sns.length) break;
    }
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'stale booking sweep skipped');
  }
  try {
    // Every page: held reservations of live orders come first as often as not.
    let after = '';
    for (let page = 0; page < MAX_HELD_PAGES; page++) {
      const { reservations } = await homestayApi.held(config().orderOrphanAgeMs, BATCH, after);
      if (!reservations.length) break;
      const orphans = await service().orphanedSns([...new Set(reservations.map((r) => r.sn))]);
      failed += await inParallel(orphans, async (sn) => {
        await homestayApi.release(sn);
        released += 1;
      });
      if (reservations.length < BATCH) break;
      after = reservations[reservations.length - 1]!.sn;
    }
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'orphan reservation sweep skipped');
  }
  if (closed || failedBookings || released || failed) log.info({ closed, failedBookings, released, failed }, 'order sweep');
  return { closed, failedBookings, released, failed };
}

export const orderSweepRunner: JobRunner = {
  name: 'order-sweep',
  async start(log) {
    const domain = await openOrderDomain(log);
    const scheduled = await startScheduledJob({
      queue: QUEUES.orderSweep,
      repeat: { every: config().orderSweepIntervalMs },
      jobName: 'sweep',
      run: () => sweepOnce(domain.service, log),
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
