import { Queue } from 'bullmq';
import type { Consumer } from 'kafkajs';
import type { Logger } from 'pino';
import { createKafka, ensureTopic, group, topic } from '../../../lib/kafka.js';
import { createRedis, redisKey, type Redis } from '../../../lib/redis.js';
import { parsePaymentStatusEvent } from '../../../contracts/payment.js';
import { QUEUES, type PaySuccessNotifyJob } from '../../../contracts/queues.js';
import { queueOptions } from '../../../lib/queues.js';
import { applyPaymentEvent, codeOf, ordersOf, type OrderAccess } from './payment-event.js';
import { openOrderDomain } from './order-domain.js';
import type { JobRunner } from '../../../lib/job-runner.js';
import { SpanKind, headersToCarrier, runInSpan } from '../../../lib/request-context.js';

const DONE_TTL_S = 14 * 24 * 3600;
/** Messages of one partition handled together (distinct orders in parallel). */
const CHUNK = 50;

/** Handles one message; throws only for failures worth retrying (a service down), which holds the partition. */
export async function handleMessage(value: Buffer | null, redis: Redis, notifyQueue: Queue<PaySuccessNotifyJob>, orders: OrderAccess, log: Logger): Promise<string> {
  const e = parsePaymentStatusEvent(value);
  if (!e) {
    log.warn({ value: value?.toString().slice(0, 200) ?? null }, 'malformed payment event skipped');
    return 'malformed';
  }
  const doneKey = redisKey(`payment-event-done:${e.eventId}`);
  if (await redis.exists(doneKey)) return 'duplicate';
  let outcome: string;
  try {
    outcome = await applyPaymentEvent(e, notifyQueue, log, orders);
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
    const domain = await openOrderDomain(log);
    const orders = ordersOf(domain);
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
                    await runInSpan(`consume ${batch.topic}`, SpanKind.CONSUMER, headersToCarrier(m.headers), () => handleMessage(m.value, redis, notifyQueue, orders, log));
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
        await domain.close();
      },
    };
  },
};
