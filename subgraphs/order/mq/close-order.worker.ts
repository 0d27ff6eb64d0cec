import { randomUUID } from 'node:crypto';
import { DelayedError, Queue } from 'bullmq';
import type { Logger } from 'pino';
import { createRedis } from '../../../lib/redis.js';
import { currentContext, traced } from '../../../lib/request-context.js';
import { paymentApi } from '../payment-client.js';
import { openOrderDomain } from './order-domain.js';
import { applyPaymentEvent, ordersOf } from './payment-event.js';
import { CloseOrderJob, QUEUES, type PaySuccessNotifyJob } from '../../../contracts/queues.js';
import { checkedJob } from '../../../lib/contract.js';
import { queueOptions, startWorker } from '../../../lib/queues.js';
import type { JobRunner } from '../../../lib/job-runner.js';

/** The payment service says the deadline has not come yet: nothing was closed, try again then. */
export class BeforeDeadline extends Error {
  constructor(readonly deadline: Date) {
    super(`the pay deadline ${deadline.toISOString()} has not passed`);
  }
}

/**
 * Closing an order at its pay deadline, shared by the close-order job and the order sweep:
 * 1. the order's state and deadline (order domain); only a WAIT_PAY order goes on to 2;
 * 2. the payment service closes the order's payments (POST /internal/payments/close-for-order):
 *    a succeeded payment pays the order through the consumer's own applyPaymentEvent (here with
 *    the order domain of this process), so an on-time payment whose event is still in the outbox
 *    or in Kafka is never refunded; else its waiting payments turn FAILED;
 * 3. only then the guarded WAIT_PAY → CANCELLED, and the nights are released.
 * A failure at any step throws and the whole close runs again later (every step is idempotent);
 * while the payment service cannot answer the order stays WAIT_PAY, never cancelled unasked.
 */
export async function openOrderCloser(log: Logger) {
  const domain = await openOrderDomain(log);
  const notifyConnection = createRedis();
  const notifyQueue = new Queue<PaySuccessNotifyJob>(QUEUES.paySuccessNotify, queueOptions(notifyConnection));
  const orders = ordersOf(domain);

  async function closeOrder(sn: string): Promise<string> {
    const service = domain.service();
    const order = await service.payDeadlineOf(sn);
    if (order?.state === 'WAIT_PAY') {
      const verdict = await paymentApi.closeAtDeadline(sn, order.payDeadline.toISOString(), 'jobs');
      if (verdict.outcome === 'open') throw new BeforeDeadline(order.payDeadline);
      if (verdict.outcome === 'paid') {
        const { paymentSn, amount, paidAt } = verdict;
        const eventId = currentContext()?.requestId ?? randomUUID();
        const outcome = await applyPaymentEvent({ eventId, orderSn: sn, paymentSn, payStatus: 'SUCCESS', amount, paidAt }, notifyQueue, log, orders);
        log.info({ sn, paymentSn, outcome }, 'closing found a succeeded payment whose event had not been applied; applied it');
        return outcome === 'already-paid' ? 'paid' : outcome;
      }
    }
    return service.closeIfUnpaid(sn);
  }

  return {
    closeOrder,
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
 * Runs closeOrder above; running it again changes nothing. When a service it needs is down the
 * job throws and BullMQ retries it with exponential backoff (CLOSE_ORDER_JOB_OPTIONS); the order
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
        // As looklook's asynq server: 20 jobs at a time per process.
        concurrency: 20,
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
