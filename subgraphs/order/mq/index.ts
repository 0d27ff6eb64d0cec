import type { JobRunner } from '../../../lib/job-runner.js';
import { closeOrderRunner } from './close-order.worker.js';
import { orderEventRelayRunner } from './order-event-relay.js';
import { orderSweepRunner } from './order-sweep.scheduler.js';
import { paymentStatusConsumer } from './payment-status.consumer.js';
import { paySuccessNotifyRunner } from './pay-success-notify.worker.js';
import { settleRecordRunner } from './settle-record.scheduler.js';

/**
 * The order service's queue workers, schedulers and Kafka consumer, run by the jobs process. The
 * payment-status consumer is the order's: a payment's outcome decides the order's state.
 */
export const orderRunners: JobRunner[] = [orderEventRelayRunner, closeOrderRunner, orderSweepRunner, paySuccessNotifyRunner(), settleRecordRunner, paymentStatusConsumer];
