import { AsyncLocalStorage } from 'node:async_hooks';
import { randomFillSync, randomUUID } from 'node:crypto';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace, type Attributes, type Span } from '@opentelemetry/api';
import { activeTracer } from './tracing.js';

export { SpanKind };

/**
 * The request (or job, or Kafka message) a piece of work belongs to, kept in AsyncLocalStorage so
 * that every log line carries its requestId and traceId (see lib/logger.ts) without passing a
 * logger around, and so that outgoing calls carry the trace on.
 *
 * The trace context travels as a W3C `traceparent` (`00-<traceId 32 hex>-<spanId 16 hex>-01`):
 *  - HTTP: the gateway reads `traceparent` (or `x-trace-id`) and `x-request-id` from the client
 *    and sends them to the subgraphs (gateway/data-source.ts, lib/internal-client.ts);
 *  - BullMQ: `queue.add(name, withTrace(data, name))`, and the worker body wrapped in `traced()`;
 *  - Kafka: the outbox row keeps `traceCarrier()` and the relay sends it as message headers; the
 *    consumer runs each message in `runInSpan(..., headersToCarrier(message.headers), ...)`.
 *
 * Every hop opens a span. With OpenTelemetry on (lib/tracing.ts) the spans are recorded and
 * exported over OTLP; with it off the same ids are made here and nothing is recorded.
 */
export interface RequestContext {
  requestId: string;
  traceId: string;
  /** This hop's span: the parent of whatever it calls. */
  spanId: string;
  /** The recording span, when tracing is on. */
  span?: Span;
}

const als = new AsyncLocalStorage<RequestContext>();

export const currentContext = (): RequestContext | undefined => als.getStore();

// Ids come from a pool of random bytes refilled 4 KiB at a time: the gateway makes a span id for
// every subgraph fetch, and a randomBytes call each time showed up in its CPU profile.
const pool = Buffer.allocUnsafe(4096);
let poolAt = pool.length;
function randomHex(bytes: number): string {
  if (poolAt + bytes > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const hex = pool.toString('hex', poolAt, poolAt + bytes);
  poolAt += bytes;
  return hex;
}
const newTraceId = () => randomHex(16);
const newSpanId = () => randomHex(8);

const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-([\da-f]{16})-[\da-f]{2}$/;
const TRACE_ID = /^[\da-f]{32}$/;
const REQUEST_ID = /^[\w.:-]{1,128}$/;

interface Parent {
  traceId: string;
  /** Absent when the caller sent a bare trace id (x-trace-id). */
  spanId?: string;
}

/** The parent named by a `traceparent` header, or by a bare 32-hex `x-trace-id`; null when malformed. */
export function parseParent(traceparent?: string | null, traceIdHeader?: string | null): Parent | null {
  const m = traceparent ? TRACEPARENT.exec(traceparent.trim().toLowerCase()) : null;
  if (m && !/^0+$/.test(m[1]!) && !/^0+$/.test(m[2]!)) return { traceId: m[1]!, spanId: m[2]! };
  const t = traceIdHeader?.trim().toLowerCase();
  return t && TRACE_ID.test(t) && !/^0+$/.test(t) ? { traceId: t } : null;
}

/** A client-chosen request id if it is sane (ids end up in logs), else a fresh one. */
export const saneRequestId = (id?: string | null): string => (id && REQUEST_ID.test(id) ? id : randomUUID());

/**
 * Opens the span of one hop under `parent` (a new trace without one). It records only when
 * tracing is on; either way the context has the ids to log and to pass on.
 */
export function openSpan(name: string, kind: SpanKind, parent: Parent | null, requestId: string, attributes?: Attributes): RequestContext {
  const tracer = activeTracer();
  if (!tracer) return { requestId, traceId: parent?.traceId ?? newTraceId(), spanId: newSpanId() };
  const parentContext = parent
    ? trace.setSpanContext(ROOT_CONTEXT, { traceId: parent.traceId, spanId: parent.spanId ?? newSpanId(), traceFlags: TraceFlags.SAMPLED, isRemote: true })
    : ROOT_CONTEXT;
  const span = tracer.startSpan(name, { kind, attributes: { ...attributes, 'looklook.request_id': requestId } }, parentContext);
  const { traceId, spanId } = span.spanContext();
  return { requestId, traceId, spanId, span };
}

/** A span for a call this hop makes (a subgraph fetch, an internal call, an enqueue). */
export function childSpan(name: string, kind: SpanKind, parent: RequestContext | undefined = currentContext(), attributes?: Attributes): RequestContext {
  return openSpan(name, kind, parent ? { traceId: parent.traceId, spanId: parent.spanId } : null, parent?.requestId ?? randomUUID(), attributes);
}

/** Ends a context's span (if it records), marking it failed when `error` is given. */
export function endSpan(ctx: RequestContext | undefined, error?: unknown): void {
  const span = ctx?.span;
  if (!span) return;
  if (error) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  }
  span.end();
}

/** Context of an incoming request (or message) from its headers: a span under the caller's trace, if any. */
export function contextFromHeaders(
  header: (name: string) => string | undefined,
  name = 'request',
  requestId: string = saneRequestId(header('x-request-id')),
  kind: SpanKind = SpanKind.SERVER,
): RequestContext {
  return openSpan(name, kind, parseParent(header('traceparent'), header('x-trace-id')), requestId);
}

export function runWithContext<T>(ctx: RequestContext, fn: () => T): T {
  return als.run(ctx, fn);
}

/** What to carry across a process boundary: HTTP headers, Kafka headers or a job's `trace` field. */
export interface TraceCarrier {
  traceparent: string;
  'x-request-id': string;
}

/** The carrier that makes `ctx`'s span the parent on the other side. */
export function traceCarrier(ctx: RequestContext | undefined = currentContext()): TraceCarrier {
  const c = ctx ?? { requestId: randomUUID(), traceId: newTraceId(), spanId: newSpanId() };
  return { traceparent: `00-${c.traceId}-${c.spanId}-01`, 'x-request-id': c.requestId };
}

/** Runs `work` in a span under the carrier's trace (a new trace when it is missing or malformed). */
export async function runInSpan<T>(name: string, kind: SpanKind, carrier: Partial<Record<string, unknown>> | undefined | null, work: () => Promise<T>): Promise<T> {
  const get = (k: string) => (typeof carrier?.[k] === 'string' ? (carrier[k] as string) : undefined);
  const ctx = contextFromHeaders(get, name, saneRequestId(get('x-request-id')), kind);
  return runWithContext(ctx, async () => {
    try {
      const result = await work();
      endSpan(ctx);
      return result;
    } catch (err) {
      endSpan(ctx, err);
      throw err;
    }
  });
}

/** KafkaJS message headers (Buffer | string | array values) as a plain carrier. */
export function headersToCarrier(headers: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    const one = Array.isArray(v) ? v[0] : v;
    if (one !== undefined && one !== null) out[k] = String(one);
  }
  return out;
}

/**
 * Job data with the current trace context in `trace` (BullMQ producers:
 * `queue.add(name, withTrace(data, name))`); the enqueue is a PRODUCER span of its own.
 */
export function withTrace<T extends object>(data: T, jobName = 'job'): T & { trace: TraceCarrier } {
  const ctx = childSpan(`enqueue ${jobName}`, SpanKind.PRODUCER);
  endSpan(ctx);
  return { ...data, trace: traceCarrier(ctx) };
}

/** Wraps a BullMQ processor so that it runs in a CONSUMER span under the trace its job carries. */
export function traced<J extends { name: string; data: unknown }, R>(processor: (job: J) => Promise<R>): (job: J) => Promise<R> {
  return (job) => runInSpan(`job ${job.name}`, SpanKind.CONSUMER, (job.data as { trace?: Record<string, unknown> } | undefined)?.trace, () => processor(job));
}
