import { randomUUID } from 'node:crypto';
import { DelayedError, Queue } from 'bullmq';
import type { Logger } from 'pino';
import { createRedis } from '../../../lib/redis.js';
import { traced } from '../../../lib/request-context.js';
import { ServiceUnavailableError } from '../../../lib/internal-client.js';
import type { CloseVerdict } from '../../../contracts/payment.js';
import { paymentApi } from '../payment-client.js';
import { openOrderDomain } from './order-domain.js';
import { applyPaymentEvent, ordersOf } from './payment-event.js';
import { CloseOrderJob, QUEUES, type PaySuccessNotifyJob } from '../../../contracts/queues.js';
import { checkedJob } from '../../../lib/contract.js';
import { batchWithin } from '../../../lib/loader.js';
import { queueOptions, startWorker } from '../../../lib/queues.js';
import { CLOSE_BATCH, CLOSE_ORDER_CONCURRENCY } from './queues.js';
import type { JobRunner } from '../../../lib/job-runner.js';

/** The payment service says the deadline has not come yet: nothing was closed, try again then. */
export class BeforeDeadline extends Error {
  constructor(readonly deadline: Date) {
    super(`the pay deadline ${deadline.toISOString()} has not passed`);
  }
}

/** How long the first job of a batch waits for others (ms): short next to a round of calls. */
const BATCH_WAIT_MS = 5;

/**
 * Closing an order at its pay deadline, shared by the close-order job and the order sweep:
 * 1. the order's state and deadline (order domain); only a WAIT_PAY order goes on to 2;
 * 2. the payment service closes the order's payments (POST /internal/payments/close-for-orders):
 *    a succeeded payment pays the order through the consumer's own applyPaymentEvent (here with
 *    the order domain of this process), so an on-time payment whose event is still in the outbox
 *    or in Kafka is never refunded; else its waiting payments turn FAILED;
 * 3. only then the guarded WAIT_PAY → CANCELLED, and the nights are released.
 * A failure at any step throws and the whole close runs again later (every step is idempotent);
 * while the payment service cannot answer the order stays WAIT_PAY, never cancelled unasked.
 *
 * The closes asked for within a few milliseconds of each other (the jobs of orders due at one
 * moment, the sweep's overdue orders) run as one batch: each step is one query or one call for
 * all of them, where each order alone cost a round of internal calls whose plumbing (HTTP, auth,
 * ORM) dwarfed the work. Each order still gets its own outcome: BeforeDeadline, a payment applied,
 * or a failure of its own reject only that order's close; a step that fails for the batch (a
 * service down) rejects all of them, and each is retried as before.
 */
export async function openOrderCloser(log: Logger) {
  const domain = await openOrderDomain(log);
  const notifyConnection = createRedis();
  const notifyQueue = new Queue<PaySuccessNotifyJob>(QUEUES.paySuccessNotify, queueOptions(notifyConnection));
  const orders = ordersOf(domain);

  /** A payment succeeded in time: the order is paid, as the payment's event would have paid it. */
  async function applyPaid(sn: string, verdict: Extract<CloseVerdict, { outcome: 'paid' }>): Promise<string> {
    const { paymentSn, amount, paidAt } = verdict;
    // Its own event id: the orders of one batch share a request context.
    const outcome = await applyPaymentEvent({ eventId: randomUUID(), orderSn: sn, paymentSn, payStatus: 'SUCCESS', amount, paidAt }, notifyQueue, log, orders);
    log.info({ sn, paymentSn, outcome }, 'closing found a succeeded payment whose event had not been applied; applied it');
    return outcome === 'already-paid' ? 'paid' : outcome;
  }

  async function closeOrders(sns: readonly string[]): Promise<(string | Error)[]> {
    const service = domain.service();
    const unique = [...new Set(sns)];
    const outcomes = new Map<string, string | Error>();
    const states = await service.payDeadlinesOf(unique);
    const waiting = unique.filter((sn) => states.get(sn)?.state === 'WAIT_PAY');
    const verdicts = waiting.length
      ? await paymentApi.closeAtDeadlines(waiting.map((sn) => ({ orderSn: sn, deadline: states.get(sn)!.payDeadline.toISOString() })), 'jobs')
      : {};
    const toClose: string[] = [];
    const paying: Promise<void>[] = [];
    for (const sn of unique) {
      const verdict = verdicts[sn];
      if (!states.has(sn) || states.get(sn)!.state !== 'WAIT_PAY') toClose.push(sn);
      else if (!verdict) outcomes.set(sn, new ServiceUnavailableError(`the payment service gave no verdict for order ${sn}`));
      else if (verdict.outcome === 'open') outcomes.set(sn, new BeforeDeadline(states.get(sn)!.payDeadline));
      else if (verdict.outcome === 'closed') toClose.push(sn);
      else {
        paying.push(
          applyPaid(sn, verdict).then(
            (outcome) => void outcomes.set(sn, outcome),
            (err: Error) => void outcomes.set(sn, err),
          ),
        );
      }
    }
    if (toClose.length) {
      paying.push(
        service.closeManyIfUnpaid(toClose).then(
          (closed) => closed.forEach((outcome, sn) => outcomes.set(sn, outcome)),
          (err: Error) => toClose.forEach((sn) => outcomes.set(sn, err)),
        ),
      );
    }
    await Promise.all(paying);
    return sns.map((sn) => outcomes.get(sn) ?? new Error(`order ${sn} was left out of its close batch`));
  }

  // Not a cache: every call closes anew (a repeat is the point of a retry).
  const batches = batchWithin<string, string>(BATCH_WAIT_MS, CLOSE_BATCH, closeOrders);

  return {
    closeOrder: (sn: string): Promise<string> => batches.load(sn),
    service: domain.service,
    close: async () => {
      await notifyQueue.close();
      notifyConnection.disconnect();
      await domain.close();
    },
  };
}

/**
 * close-order: the delayed job createHomestayOrder adds (jobId = sn, delay = ORDER_PAY_TIMEOUT).
 * Runs closeOrder above, in a batch with the jobs running beside it; running it again changes
 * nothing. When a service it needs is down the job throws and BullMQ retries it with exponential backoff (CLOSE_ORDER_JOB_OPTIONS); the order
 * sweep closes the order should the retries run out.
 */
export const closeOrderRunner: JobRunner = {
  name: 'close-order',
  async start(log) {
    const closer = await openOrderCloser(log);
    const worker = await startWorker<CloseOrderJob>(
      QUEUES.closeOrder,
      traced(checkedJob(CloseOrderJob, async (job) => {
        try {
          const outcome = await closer.closeOrder(job.data.sn);
          log.debug({ sn: job.data.sn, outcome }, 'close-order done');
          return outcome;
        } catch (err) {
          if (!(err instanceof BeforeDeadline)) throw err;
          // Run before the deadline (a clock ahead, or an extra run): wait for it, without an attempt.
          await job.moveToDelayed(Math.max(err.deadline.getTime(), Date.now() + 200), job.token);
          throw new DelayedError();
        }
      })),
      {
        concurrency: CLOSE_ORDER_CONCURRENCY,
        log,
        onFailed: (job, err) => log.warn({ sn: job?.data.sn, attempt: job?.attemptsMade, err: err.message }, 'close-order failed; will retry'),
      },
    );
    return {
      close: async () => {
        await worker.close();
        await closer.close();
      },
    };
  },
};
