import type { Logger } from 'pino';
import { config } from '../../../lib/config.js';
import { homestayApi } from '../homestay-client.js';
import { BeforeDeadline, openOrderCloser } from './close-order.worker.js';
import { QUEUES } from '../../../contracts/queues.js';
import type { JobRunner } from '../../../lib/job-runner.js';
import { startScheduledJob } from '../../../lib/scheduled-job.js';

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

type OrderCloser = Awaited<ReturnType<typeof openOrderCloser>>;

/**
 * order-sweep: a BullMQ job scheduler (one run per ORDER_SWEEP_INTERVAL across all jobs
 * processes) that
 * 1. closes every WAIT_PAY order past its pay deadline the way its close-order job would (the
 *    payment service first), so an order closes even when its job was lost, no worker ran at the
 *    deadline, or its retries ran out while the payment service was down;
 * 2. fails bookings PENDING for longer than ORDER_ORPHAN_AGE (stalled or dead between their
 *    steps) and releases their nights: the guarded PENDING → FAILED races the booking's own
 *    PENDING → WAIT_PAY, and only the winner's view holds (README "Booking saga");
 * 3. releases room reservations older than ORDER_ORPHAN_AGE that have no live order (a FAILED
 *    booking whose release failed, a release that failed after a cancel, or no order row at all);
 * 4. asks the payment service again for the money of refunds it has not confirmed (REFUNDED
 *    orders whose payment call failed: the payment service down, say). The payment service
 *    refunds an order once, so asking while the request itself is still asking is harmless.
 */
export async function sweepOnce(closer: Pick<OrderCloser, 'closeOrder' | 'service'>, log: Logger) {
  const { service } = closer;
  let closed = 0;
  let paid = 0;
  let failed = 0;
  for (let round = 0; round < 20; round++) {
    const sns = await service().overdueSns(BATCH);
    if (!sns.length) break;
    const roundFailed = await inParallel(sns, async (sn) => {
      try {
        const outcome = await closer.closeOrder(sn);
        if (outcome === 'closed') closed += 1;
        if (outcome === 'paid') paid += 1;
      } catch (err) {
        // Overdue by this clock, not yet by the payment service's: its job or the next sweep closes it.
        if (!(err instanceof BeforeDeadline)) throw err;
      }
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
  let refunded = 0;
  try {
    const owed = await service().unconfirmedRefunds(BATCH);
    failed += await inParallel(owed, async ({ sn, amount }) => {
      try {
        await service().payBackRefund(sn, amount);
        refunded += 1;
      } catch (err) {
        log.warn({ sn, amount, err: (err as Error).message }, 'refund still not confirmed by the payment service; next sweep asks again');
        throw err;
      }
    });
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'refund sweep skipped');
  }
  if (closed || paid || failedBookings || released || refunded || failed) log.info({ closed, paid, failedBookings, released, refunded, failed }, 'order sweep');
  return { closed, paid, failedBookings, released, refunded, failed };
}

export const orderSweepRunner: JobRunner = {
  name: 'order-sweep',
  async start(log) {
    const closer = await openOrderCloser(log);
    const scheduled = await startScheduledJob({
      queue: QUEUES.orderSweep,
      repeat: { every: config().orderSweepIntervalMs },
      jobName: 'sweep',
      run: () => sweepOnce(closer, log),
      log,
    });
    return {
      close: async () => {
        await scheduled.close();
        await closer.close();
      },
    };
  },
};
