import type express from 'express';
import type { ApolloServerPlugin } from '@apollo/server';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Queue } from 'bullmq';
import type { Admin } from 'kafkajs';

/**
 * Prometheus metrics of one process (gateway, a subgraph or jobs), served at GET /metrics.
 *
 * Series (every one labelled service="<process>"):
 *   graphql_requests_total{operation,outcome}            counter    GraphQL operations served
 *   graphql_request_duration_seconds{operation,outcome}  histogram  their durations
 *   graphql_subgraph_fetch_duration_seconds{subgraph,outcome} histogram  gateway → subgraph calls
 *   bullmq_queue_jobs{queue,state}                       gauge      waiting/delayed/active/failed, read on scrape
 *   kafka_consumer_lag{group,topic}                      gauge      messages the group has not committed yet
 *   outbox_backlog{table}                                gauge      outbox rows not yet published
 *   payment_late_captures_total{outcome}                 counter    SUCCESS callbacks for FAILED payments (payment)
 *   rate_limited_total{limit}                            counter    calls refused with RATE_LIMITED (lib/rate-limits.ts)
 *   websocket_connections / websocket_subscriptions      gauges     of the gateway's subscription server
 *   plus prom-client's process/Node defaults.
 *
 * How other modules hook in:
 *   - WebSocket server: `wsConnections.inc()/dec()`, `wsSubscriptions.inc()/dec()`.
 *   - Queues: `registerQueues(queues)`; counts are read with Queue.getJobCounts on each scrape.
 *   - Kafka consumers: `registerKafkaLag(admin, groupId, topic)`.
 *   - Outbox: `registerCollector('outbox', async () => { outboxBacklog.set({ table: 'payment_outbox' }, await count()) })`.
 *   - Anything else: `registerCollector(name, fn)`; fn runs (with a 2 s limit) before every scrape.
 */
export const registry = new Registry();
let initialised = false;

/** Names the process in every series; call once at start (startSubgraph, gateway and jobs do). */
export function initMetrics(service: string): void {
  if (initialised) return;
  initialised = true;
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
}

const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const graphqlRequests = new Counter({
  name: 'graphql_requests_total',
  help: 'GraphQL operations served, by operation name and outcome (success, error, invalid)',
  labelNames: ['operation', 'outcome'] as const,
  registers: [registry],
});
export const graphqlDuration = new Histogram({
  name: 'graphql_request_duration_seconds',
  help: 'Duration of GraphQL operations, from request to response, by operation name and outcome',
  labelNames: ['operation', 'outcome'] as const,
  buckets: DURATION_BUCKETS,
  registers: [registry],
});
export const subgraphFetchDuration = new Histogram({
  name: 'graphql_subgraph_fetch_duration_seconds',
  help: 'Duration of the gateway’s fetches to subgraphs, by subgraph and outcome',
  labelNames: ['subgraph', 'outcome'] as const,
  buckets: DURATION_BUCKETS,
  registers: [registry],
});
export const queueJobs = new Gauge({
  name: 'bullmq_queue_jobs',
  help: 'BullMQ jobs by queue and state (waiting, delayed, active, failed), read on scrape',
  labelNames: ['queue', 'state'] as const,
  registers: [registry],
});
export const kafkaLag = new Gauge({
  name: 'kafka_consumer_lag',
  help: 'Messages of a topic not yet committed by a consumer group, read on scrape',
  labelNames: ['group', 'topic'] as const,
  registers: [registry],
});
export const outboxBacklog = new Gauge({
  name: 'outbox_backlog',
  help: 'Outbox rows written but not yet published to Kafka',
  labelNames: ['table'] as const,
  registers: [registry],
});
export const paymentLateCaptures = new Counter({
  name: 'payment_late_captures_total',
  help: 'SUCCESS callbacks for a payment already FAILED: live = it became the order\'s payment again, refund = another payment holds the order, so the money goes back',
  labelNames: ['outcome'] as const,
  registers: [registry],
});
export const rateLimitedTotal = new Counter({
  name: 'rate_limited_total',
  help: 'Calls refused with RATE_LIMITED, by limit (gateway-ip, auth-ip, login-mobile, pay-user)',
  labelNames: ['limit'] as const,
  registers: [registry],
});
export const wsConnections = new Gauge({
  name: 'websocket_connections',
  help: 'Open WebSocket connections of the subscription server',
  registers: [registry],
});
export const wsSubscriptions = new Gauge({
  name: 'websocket_subscriptions',
  help: 'Active GraphQL subscriptions of the subscription server',
  registers: [registry],
});

const collectors = new Map<string, () => Promise<void> | void>();

/** Runs fn before every scrape (replacing an earlier one of the same name); errors are swallowed. */
export function registerCollector(name: string, fn: () => Promise<void> | void): void {
  collectors.set(name, fn);
}
export function unregisterCollector(name: string): void {
  collectors.delete(name);
}

const QUEUE_STATES = ['waiting', 'delayed', 'active', 'failed'] as const;
export function registerQueues(queues: Queue[]): void {
  for (const q of queues) {
    registerCollector(`queue:${q.name}`, async () => {
      const counts = await q.getJobCounts(...QUEUE_STATES);
      for (const state of QUEUE_STATES) queueJobs.set({ queue: q.name, state }, counts[state] ?? 0);
    });
  }
}

/** Lag of a consumer group on a topic: sum over partitions of (high watermark − committed offset). */
export function registerKafkaLag(adminOrGetter: Admin | (() => Promise<Admin>), groupId: string, topic: string): void {
  registerCollector(`kafka:${groupId}:${topic}`, async () => {
    const admin = typeof adminOrGetter === 'function' ? await adminOrGetter() : adminOrGetter;
    const [ends, committed] = await Promise.all([
      admin.fetchTopicOffsets(topic),
      admin.fetchOffsets({ groupId, topics: [topic] }),
    ]);
    const done = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    let lag = 0;
    for (const p of ends) {
      const high = Number(p.high);
      const c = done.get(p.partition) ?? -1;
      // A group that never committed has read nothing: all that the partition still holds is lag.
      lag += c < 0 ? high - Number(p.low) : Math.max(0, high - c);
    }
    kafkaLag.set({ group: groupId, topic }, lag);
  });
}

const withTimeout = (p: Promise<void> | void, ms: number) =>
  Promise.race([Promise.resolve(p), new Promise<void>((r) => setTimeout(r, ms).unref())]);

/** The Prometheus text of this process, after running the registered collectors. */
export async function metricsText(): Promise<string> {
  await Promise.all([...collectors.values()].map((fn) => withTimeout((async () => fn())().catch(() => undefined), 2000)));
  return registry.metrics();
}

/** GET /metrics handler. */
export function metricsHandler(): express.RequestHandler {
  return async (_req, res) => {
    try {
      const text = await metricsText();
      res.setHeader('content-type', registry.contentType);
      res.end(text);
    } catch (err) {
      res.status(500).end(String((err as Error).message));
    }
  };
}

const MAX_OPERATION_NAMES = 500;
const seenOperations = new Set<string>();
/** Operation names come from clients: cap the label's cardinality. */
function operationLabel(name: string | null | undefined): string {
  if (!name) return '(anonymous)';
  if (seenOperations.has(name)) return name;
  if (seenOperations.size >= MAX_OPERATION_NAMES || name.length > 100) return '(other)';
  seenOperations.add(name);
  return name;
}

/**
 * Counts every operation and times it. Outcome: `success` (no errors), `error` (a result with
 * errors) or `invalid` (did not parse or validate: the name is then `(invalid)`).
 */
export function metricsPlugin<C extends object>(): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      const start = process.hrtime.bigint();
      let operation = '(invalid)';
      let resolved = false;
      return {
        async didResolveOperation(rc) {
          resolved = true;
          operation = operationLabel(rc.operationName);
        },
        async willSendResponse(rc) {
          const body = rc.response.body;
          const errors = body.kind === 'single' ? body.singleResult.errors : body.initialResult.errors;
          const outcome = !resolved ? 'invalid' : errors?.length ? 'error' : 'success';
          const seconds = Number(process.hrtime.bigint() - start) / 1e9;
          graphqlRequests.inc({ operation, outcome });
          graphqlDuration.observe({ operation, outcome }, seconds);
        },
      };
    },
  };
}
