import { checkedJob } from '../../../lib/contract.js';
import type { OrderView } from '../../../contracts/order.js';
import { StoredNotifier, type NotificationMessage, type Notifier } from './notifier.js';
import { PaySuccessNotifyJob, QUEUES } from '../../../contracts/queues.js';
import { startWorker } from '../../../lib/queues.js';
import { openOrderDomain } from './order-domain.js';
import type { JobRunner } from '../../../lib/job-runner.js';
import { traced } from '../../../lib/request-context.js';
import { batchWithin } from '../../../lib/loader.js';
import { notFound } from '../../../lib/errors.js';
import { toView } from '../service.js';

const yuan = (cents: number) => `¥${(cents / 100).toFixed(2)}`;

/** looklook's two messages: the order is paid; the check-in code with the dates. */
export function renderPaySuccess(order: OrderView): NotificationMessage[] {
  return [
    {
      kind: 'pay-success',
      dedupeKey: `pay-success:${order.sn}`,
      title: 'Order paid',
      body: `Your order ${order.sn} for ${order.title} is paid: ${yuan(order.total)}. Stay from ${order.checkIn} to ${order.checkOut}.`,
    },
    {
      kind: 'check-in-code',
      dedupeKey: `check-in-code:${order.sn}`,
      title: 'Your check-in code',
      body: `Check in on ${order.checkIn}, check out on ${order.checkOut}. Your check-in code is ${order.tradeCode}: show it to the landlord on arrival. Have a good stay!`,
    },
  ];
}

/**
 * pay-success-notify: added by the payment-status consumer when an order is paid. Reads the order,
 * renders the messages and hands them to the notifier; a failure is retried every minute at most
 * for two days (PAY_SUCCESS_NOTIFY_JOB_OPTIONS), and a retry stores no second copy (dedupeKey).
 */
export function paySuccessNotifyRunner(notifier: Notifier = new StoredNotifier()): JobRunner {
  return {
    name: 'pay-success-notify',
    async start(log) {
      // The order is read from the order database (the order domain of this process), not from the
      // order subgraph: delivering a message must not wait for that process to be up.
      const domain = await openOrderDomain(log);
      // The orders of the jobs running at once are read in one query.
      const orders = batchWithin<string, OrderView>(2, 100, async (sns) => {
        const found = new Map((await domain.service().findBySns(sns)).map((o) => [o.sn, toView(o)]));
        return sns.map((sn) => found.get(sn) ?? notFound('order'));
      });
      const worker = await startWorker<PaySuccessNotifyJob>(
        QUEUES.paySuccessNotify,
        traced(checkedJob(PaySuccessNotifyJob, async (job) => {
          const order = await orders.load(job.data.orderSn);
          if (!order.tradeCode) throw new Error(`order ${order.sn} has no trade code yet (${order.state})`);
          await notifier.deliver(order.userId, renderPaySuccess(order));
        })),
        {
          concurrency: 20,
          log,
          onFailed: (job, err) => log.warn({ orderSn: job?.data.orderSn, attempt: job?.attemptsMade, err: err.message }, 'pay-success-notify failed; will retry'),
        },
      );
      return {
        close: async () => {
          await worker.close();
          await domain.close();
        },
      };
    },
  };
}
