import { Queue } from 'bullmq';
import type { Consumer } from 'kafkajs';
import type { Logger } from 'pino';
import { isDomainError } from '../../../lib/errors.js';
import { createKafka, ensureTopic, group, topic } from '../../../lib/kafka.js';
import { createRedis, redisKey, type Redis } from '../../../lib/redis.js';
import { parsePaymentStatusEvent, type PaymentState, type PaymentStatusEvent } from '../../../contracts/payment.js';
import { orderRoutes, type OrderView, type Transitioned } from '../../../contracts/order.js';
import { call } from '../../../lib/contract.js';
import { paymentApi } from '../payment-client.js';
import type { OrderState } from '../../../contracts/order.js';
import { QUEUES, type PaySuccessNotifyJob } from '../../../contracts/queues.js';
import { queueOptions } from '../../../lib/queues.js';
import { PAY_SUCCESS_NOTIFY_JOB_OPTIONS } from './queues.js';
import type { JobRunner } from '../../../lib/job-runner.js';
import { SpanKind, headersToCarrier, runInSpan, withTrace } from '../../../lib/request-context.js';

const DONE_TTL_S = 14 * 24 * 3600;
/** Messages of one partition handled together (distinct orders in parallel). */
const CHUNK = 50;
const codeOf = (err: unknown) => (isDomainError(err) ? String(err.extensions.code) : null);


/**
 * How a payment event reaches its order: the order service over HTTP (the consumer), or the order
 * domain of the jobs process (the close job, which must not depend on the order subgraph).
 */
export interface OrderAccess {
  transition(sn: string, to: OrderState, paidAt: string | null, requestId: string): Promise<Transitioned>;
  get(sn: string, requestId: string): Promise<OrderView>;
}

export const orderServiceOverHttp: OrderAccess = {
  transition: (sn, to, paidAt, requestId) =>
    call('jobs', orderRoutes.transition, { sn, to: to as Exclude<OrderState, 'WAIT_PAY'>, paidAt }, requestId),
  get: (sn, requestId) => call('jobs', orderRoutes.get, { sn }, requestId),
};

/**
 * What one payment event does to its order. The event only says which payment changed: what it
 * changed to is read from the payment service now, so events that arrive late, twice or in the
 * wrong order (a replay, two relays) all lead to the same end, the one the payment's current
 * state implies. Every step is idempotent (guarded transitions, the notify job's id, the refund of
 * a refunded payment), so a redelivered event changes nothing more.
 */
export async function applyPaymentEvent(
  e: PaymentStatusEvent,
  notifyQueue: Queue<PaySuccessNotifyJob>,
  log: Logger,
  orders: OrderAccess = orderServiceOverHttp,
): Promise<string> {
  const payment = await paymentApi.get(e.paymentSn, 'jobs', e.eventId);
  if (payment.orderSn !== e.orderSn) {
    log.warn({ eventId: e.eventId, orderSn: e.orderSn, paymentSn: e.paymentSn }, 'payment event names another order than its payment; skipped');
    return 'order-mismatch';
  }
  const ctx = { e, payment, notifyQueue, log, orders };
  if (payment.status === 'SUCCESS') return payment.live ? payOrder(ctx) : refund(ctx, 'late capture: another payment holds the order');
  // A refunded payment that never held the order (a late capture given back) has nothing to undo.
  if (payment.status === 'REFUNDED') return payment.live ? undoPayment(ctx) : 'refund-of-late-capture';
  return 'nothing-to-do';
}

interface Ctx {
  e: PaymentStatusEvent;
  payment: PaymentState;
  notifyQueue: Queue<PaySuccessNotifyJob>;
  log: Logger;
  orders: OrderAccess;
}

const transition = ({ e, orders }: Ctx, to: OrderState, paidAt?: string | null) => orders.transition(e.orderSn, to, paidAt ?? null, e.eventId);
const readOrder = ({ e, orders }: Ctx) => orders.get(e.orderSn, e.eventId);

async function refund(ctx: Ctx, reason: string): Promise<string> {
  const { e, payment, log } = ctx;
  await paymentApi.refund(payment.sn, reason, 'jobs', e.eventId);
  log.info({ orderSn: e.orderSn, paymentSn: payment.sn, reason }, 'payment refunded');
  return 'refunded';
}

/** The order's live payment succeeded: it pays the order, or goes back if the order closed first. */
async function payOrder(ctx: Ctx): Promise<string> {
  const { e, payment, notifyQueue, log } = ctx;
  try {
    const { changed } = await transition(ctx, 'WAIT_USE', payment.paidAt);
    // Added even when nothing changed (a crash may have come between the two): the job id dedupes.
    await notifyQueue.add('notify', withTrace({ orderSn: e.orderSn }, 'pay-success-notify'), { ...PAY_SUCCESS_NOTIFY_JOB_OPTIONS, jobId: `pay-success-${e.orderSn}` });
    return changed ? 'paid' : 'already-paid';
  } catch (err) {
    if (codeOf(err) !== 'CONFLICT') throw err;
    const order = await readOrder(ctx);
    // The order closed before the money arrived: the money goes back, the order stays closed.
    if (order.state === 'CANCELLED') return refund(ctx, `order ${e.orderSn} was ${order.state} when paid`);
    // Moved by someone else just now: the message is retried (a domain error would skip it).
    if (order.state === 'WAIT_PAY' || order.state === 'WAIT_USE') throw new Error(`order ${e.orderSn} changed while being paid`);
    // USED or REFUNDED come only after WAIT_USE, which only this payment (the live one) can
    // have caused: the event is old news.
    log.info({ orderSn: e.orderSn, paymentSn: payment.sn, state: order.state }, 'payment success for an order already past WAIT_USE; nothing to do');
    return 'already-paid';
  }
}

/**
 * The order's live payment was refunded: a paid order becomes REFUNDED; an order the payment never
 * got to pay (its SUCCESS not yet applied, or never to be) is closed, so it cannot be paid by a
 * refunded payment later. Retried a few times, as the order may move meanwhile.
 */
async function undoPayment(ctx: Ctx): Promise<string> {
  const { e, payment, log } = ctx;
  for (let attempt = 0; attempt < 3; attempt++) {
    const order = await readOrder(ctx);
    const to = order.state === 'WAIT_PAY' ? 'CANCELLED' : order.state === 'WAIT_USE' ? 'REFUNDED' : null;
    if (!to) {
      // Settlement won the order (its record is written): the provider refunded anyway, which only
      // a person can square with the business. The order stays USED.
      if (order.state === 'USED') log.error({ orderSn: e.orderSn, paymentSn: payment.sn }, 'provider refund of a settled order; left USED, reconcile by hand');
      return `refund-of-${order.state.toLowerCase()}-order`;
    }
    try {
      const { changed } = await transition(ctx, to);
      if (to === 'CANCELLED') log.info({ orderSn: e.orderSn, paymentSn: payment.sn }, 'payment refunded before it paid its order; order closed');
      return changed ? (to === 'REFUNDED' ? 'order-refunded' : 'order-closed') : 'already-done';
    } catch (err) {
      if (codeOf(err) !== 'CONFLICT') throw err;
    }
  }
  throw new Error(`order ${e.orderSn} kept changing while its refund was applied`);
}

/** Handles one message; throws only for failures worth retrying (a service down), which holds the partition. */
export async function handleMessage(value: Buffer | null, redis: Redis, notifyQueue: Queue<PaySuccessNotifyJob>, log: Logger): Promise<string> {
  const e = parsePaymentStatusEvent(value);
  if (!e) {
    log.warn({ value: value?.toString().slice(0, 200) ?? null }, 'malformed payment event skipped');
    return 'malformed';
  }
  const doneKey = redisKey(`payment-event-done:${e.eventId}`);
  if (await redis.exists(doneKey)) return 'duplicate';
  let outcome: string;
  try {
    outcome = await applyPaymentEvent(e, notifyQueue, log);
  } catch (err) {
    const code = codeOf(err);
    // A domain refusal will not change on retry (an unknown order, say): log and move on.
    if (!code) throw err;
    log.warn({ eventId: e.eventId, orderSn: e.orderSn, code, err: (err as Error).message }, 'payment event refused; skipped');
    outcome = `refused-${code}`;
  }
  await redis.set(doneKey, outcome, 'EX', DONE_TTL_S);
  log.debug({ eventId: e.eventId, orderSn: e.orderSn, payStatus: e.payStatus, outcome }, 'payment event applied');
  return outcome;
}

/**
 * The order-mq consumer of looklook (group `payment-update-paystatus-group`): payment events move
 * orders. Messages are keyed by order sn, so one order's events arrive in order on one partition;
 * partitions, and distinct orders within a partition, are processed in parallel. Offsets are
 * committed after messages are handled, so a crash redelivers, and the eventId record makes the
 * redelivery a no-op.
 */
export const paymentStatusConsumer: JobRunner = {
  name: 'payment-status-consumer',
  async start(log) {
    const kafka = createKafka('jobs-payment-status');
    const redis = createRedis();
    const notifyQueue = new Queue<PaySuccessNotifyJob>(QUEUES.paySuccessNotify, queueOptions(createRedis()));
    let consumer: Consumer | null = null;
    let stopped = false;
    const connect = async () => {
      await ensureTopic(kafka, 'paymentUpdatePayStatus');
      const c = kafka.consumer({
        groupId: group('paymentUpdatePayStatus'),
        // The relay publishes in Kafka transactions; what a fenced relay sent is aborted and never read.
        readUncommitted: false,
        sessionTimeout: 15_000,
        heartbeatInterval: 3_000,
        // A broker outage longer than the retries restarts the consumer instead of stopping it.
        retry: { initialRetryTime: 300, retries: 10, restartOnFailure: async () => true },
      });
      consumer = c;
      // KafkaJS restarts itself after retriable failures only; a broker outage can also end in a
      // non-retriable crash ("Failed to find group coordinator") that would stop consuming for
      // good. Such a crash starts the same reconnect loop as a failed start.
      c.on(c.events.CRASH, ({ payload }) => {
        if (payload.restart || stopped || consumer !== c) return;
        log.warn({ err: payload.error.message }, 'payment-status consumer crashed; reconnecting');
        background = keepTrying(payload.error);
      });
      await c.connect();
      await c.subscribe({ topic: topic('paymentUpdatePayStatus'), fromBeginning: true });
      await c.run({
        partitionsConsumedConcurrently: 3,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
          for (let i = 0; i < batch.messages.length; i += CHUNK) {
            if (!isRunning() || isStale()) break;
            const chunk = batch.messages.slice(i, i + CHUNK);
            // Different orders in parallel, each order's events one after another in offset order.
            const byKey = new Map<string, typeof chunk>();
            for (const m of chunk) {
              const key = m.key?.toString() ?? '';
              (byKey.get(key) ?? byKey.set(key, []).get(key)!).push(m);
            }
            try {
              await Promise.all(
                [...byKey.values()].map(async (msgs) => {
                  for (const m of msgs) {
                    // Each event runs in a CONSUMER span under the trace of the callback that caused it.
                    await runInSpan(`consume ${batch.topic}`, SpanKind.CONSUMER, headersToCarrier(m.headers), () => handleMessage(m.value, redis, notifyQueue, log));
                  }
                }),
              );
            } catch (err) {
              // The chunk is redelivered; what it already applied is skipped by eventId.
              log.warn({ partition: batch.partition, offset: chunk[0]!.offset, err: (err as Error).message }, 'payment event failed; retrying');
              throw err;
            }
            resolveOffset(chunk[chunk.length - 1]!.offset);
            await heartbeat();
          }
          await commitOffsetsIfNecessary();
        },
      });
    };
    // Kafka down at start does not stop the jobs process: the consumer keeps trying in the background.
    const keepTrying = async (firstErr: unknown) => {
      let delay = 1000;
      let err = firstErr;
      while (!stopped) {
        log.warn({ err: (err as Error).message, retryInMs: delay }, 'payment-status consumer could not start; retrying');
        await consumer?.disconnect().catch(() => undefined);
        consumer = null;
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 30_000);
        if (stopped) return;
        try {
          await connect();
          return;
        } catch (e) {
          err = e;
        }
      }
    };
    let background: Promise<void> = Promise.resolve();
    await connect().catch((err) => void (background = keepTrying(err)));
    return {
      close: async () => {
        stopped = true;
        await background;
        await (consumer as Consumer | null)?.disconnect().catch(() => undefined);
        await notifyQueue.close();
        redis.disconnect();
      },
    };
  },
};
