import { Queue } from 'bullmq';
import type { Consumer } from 'kafkajs';
import type { Logger } from 'pino';
import { isDomainError } from '../lib/errors.js';
import { callService } from '../lib/internal-client.js';
import { createKafka, group, topic } from '../lib/kafka.js';
import { createRedis, redisKey, type Redis } from '../lib/redis.js';
import { parsePaymentStatusEvent, type PaymentStatusEvent } from '../subgraphs/payment/events.js';
import type { OrderView } from '../subgraphs/order/service.js';
import { PAY_SUCCESS_NOTIFY_JOB_OPTIONS, QUEUES, queueOptions, type PaySuccessNotifyJob } from './queues.js';
import type { JobRunner } from './registry.js';
import { SpanKind, headersToCarrier, runInSpan, withTrace } from '../lib/request-context.js';

const DONE_TTL_S = 14 * 24 * 3600;
/** Messages of one partition handled together (distinct orders in parallel). */
const CHUNK = 50;
const codeOf = (err: unknown) => (isDomainError(err) ? String(err.extensions.code) : null);

interface Transitioned {
  changed: boolean;
  order: OrderView;
}

/**
 * What one payment event does to its order. Every step is idempotent (guarded transitions, the
 * notify job's id, the refund of a refunded payment), so a redelivered event changes nothing more.
 */
export async function applyPaymentEvent(e: PaymentStatusEvent, notifyQueue: Queue<PaySuccessNotifyJob>, log: Logger): Promise<string> {
  const transition = (to: string, paidAt?: string | null) =>
    callService<Transitioned>('jobs', 'order', '/orders/transition', { sn: e.orderSn, to, ...(paidAt ? { paidAt } : {}) }, e.eventId);
  if (e.payStatus === 'SUCCESS') {
    try {
      const { changed } = await transition('WAIT_USE', e.paidAt);
      // Added even when nothing changed (a crash may have come between the two): the job id dedupes.
      await notifyQueue.add('notify', withTrace({ orderSn: e.orderSn }, 'pay-success-notify'), { ...PAY_SUCCESS_NOTIFY_JOB_OPTIONS, jobId: `pay-success-${e.orderSn}` });
      return changed ? 'paid' : 'already-paid';
    } catch (err) {
      if (codeOf(err) !== 'CONFLICT') throw err;
      const order = await callService<OrderView>('jobs', 'order', '/orders/get', { sn: e.orderSn }, e.eventId);
      if (order.state === 'CANCELLED') {
        // The order closed before the money arrived: the money goes back, the order stays closed.
        await callService('jobs', 'payment', '/payments/refund', { paymentSn: e.paymentSn, reason: `order ${e.orderSn} was ${order.state} when paid` }, e.eventId);
        log.info({ orderSn: e.orderSn, paymentSn: e.paymentSn, state: order.state }, 'payment for a closed order refunded');
        return 'refunded';
      }
      log.warn({ orderSn: e.orderSn, paymentSn: e.paymentSn, state: order.state }, 'payment success for an order that cannot take it; left as is');
      return 'ignored';
    }
  }
  if (e.payStatus === 'REFUNDED') {
    try {
      const { changed } = await transition('REFUNDED');
      return changed ? 'order-refunded' : 'already-refunded';
    } catch (err) {
      if (codeOf(err) !== 'CONFLICT') throw err;
      // The refund of a payment whose order was closed (see above): the order stays as it is.
      return 'refund-of-closed-order';
    }
  }
  return 'nothing-to-do';
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

async function ensureTopic(kafka: ReturnType<typeof createKafka>) {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: topic('paymentUpdatePayStatus'), numPartitions: 3 }], waitForLeaders: true });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
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
      await ensureTopic(kafka);
      const c = kafka.consumer({
        groupId: group('paymentUpdatePayStatus'),
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
