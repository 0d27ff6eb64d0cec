import { AsyncLocalStorage } from 'node:async_hooks';
import { randomFillSync, randomUUID } from 'node:crypto';

/**
 * The request (or job) a piece of work belongs to, kept in AsyncLocalStorage so that every log
 * line carries its requestId and traceId (see lib/logger.ts) without passing a logger around.
 *
 * The trace context travels as a W3C `traceparent` (`00-<traceId 32 hex>-<spanId 16 hex>-01`):
 *  - HTTP: the gateway reads `traceparent` (or `x-trace-id`) and `x-request-id` from the client
 *    and sends `traceparent` + `x-request-id` to the subgraphs (gateway/data-source.ts);
 *  - BullMQ: put `traceCarrier()` into the job data (`{ ...data, trace: traceCarrier() }`) and run
 *    the worker body in `runWithCarrier(job.data.trace, () => ...)`;
 *  - Kafka: `headers: traceCarrier()` on send, `runWithCarrier(headersToCarrier(message.headers), ...)`
 *    in eachMessage.
 */
export interface RequestContext {
  requestId: string;
  traceId: string;
  spanId: string;
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
export const newTraceId = () => randomHex(16);
export const newSpanId = () => randomHex(8);

const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-([\da-f]{16})-[\da-f]{2}$/;
const TRACE_ID = /^[\da-f]{32}$/;
const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** The trace id of a `traceparent` header value, or of a bare 32-hex `x-trace-id`; null when malformed. */
export function parseTraceId(traceparent?: string | null, traceIdHeader?: string | null): string | null {
  const m = traceparent ? TRACEPARENT.exec(traceparent.trim().toLowerCase()) : null;
  if (m && !/^0+$/.test(m[1]!)) return m[1]!;
  const t = traceIdHeader?.trim().toLowerCase();
  return t && TRACE_ID.test(t) && !/^0+$/.test(t) ? t : null;
}

/** A client-chosen request id if it is sane (ids end up in logs), else a fresh one. */
export const saneRequestId = (id?: string | null): string => (id && REQUEST_ID.test(id) ? id : randomUUID());

/** Context of an incoming request from its headers (a new trace when the caller sent none). */
export function contextFromHeaders(header: (name: string) => string | undefined): RequestContext {
  return {
    requestId: saneRequestId(header('x-request-id')),
    traceId: parseTraceId(header('traceparent'), header('x-trace-id')) ?? newTraceId(),
    spanId: newSpanId(),
  };
}

export function runWithContext<T>(ctx: RequestContext, fn: () => T): T {
  return als.run(ctx, fn);
}

/** What to carry across a process boundary: HTTP headers, Kafka headers or a job's `trace` field. */
export interface TraceCarrier {
  traceparent: string;
  'x-request-id': string;
}

export function traceCarrier(ctx: RequestContext | undefined = currentContext()): TraceCarrier {
  const c = ctx ?? { requestId: randomUUID(), traceId: newTraceId(), spanId: newSpanId() };
  return { traceparent: `00-${c.traceId}-${newSpanId()}-01`, 'x-request-id': c.requestId };
}

/** Runs fn in the context a carrier describes (a new trace when it is missing or malformed). */
export function runWithCarrier<T>(carrier: Partial<Record<string, unknown>> | undefined | null, fn: () => T): T {
  const get = (k: string) => (typeof carrier?.[k] === 'string' ? (carrier[k] as string) : undefined);
  return runWithContext(contextFromHeaders(get), fn);
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

/** Job data with the current trace context in `trace` (BullMQ producers: `queue.add(name, withTrace(data))`). */
export function withTrace<T extends object>(data: T): T & { trace: TraceCarrier } {
  return { ...data, trace: traceCarrier() };
}

/** Wraps a BullMQ processor so that it runs in the trace context its job carries. */
export function traced<J extends { data: unknown }, R>(processor: (job: J) => Promise<R>): (job: J) => Promise<R> {
  return (job) => runWithCarrier((job.data as { trace?: Record<string, unknown> } | undefined)?.trace, () => processor(job));
}
