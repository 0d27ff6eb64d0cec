import { trace, type Tracer } from '@opentelemetry/api';
import type { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

/**
 * OpenTelemetry tracing, off by default. It turns on with the standard OTLP variables
 * (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or OTEL_TRACES_EXPORTER=otlp)
 * and stays off with OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none. The exporter
 * (@opentelemetry/exporter-trace-otlp-http) reads the rest of the OTEL_* variables itself
 * (headers, timeout, OTEL_BSP_* batching).
 *
 * Spans are opened by lib/request-context.ts, which owns the trace context of every request, job
 * and Kafka message; with tracing off it keeps the same W3C ids without recording anything.
 */
export function tracingWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED === 'true' || env.OTEL_TRACES_EXPORTER === 'none') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_TRACES_EXPORTER === 'otlp');
}

let provider: NodeTracerProvider | undefined;
let tracer: Tracer | undefined;

/** The tracer when tracing is on in this process, else undefined (nothing is recorded). */
export const activeTracer = (): Tracer | undefined => tracer;

/**
 * Starts the SDK for one process (service.name `looklook-<process>`); a no-op when tracing is off.
 * The SDK modules load only then, so a default start pays nothing for them.
 */
export async function startTracing(processName: string): Promise<void> {
  if (provider || !tracingWanted()) return;
  const [{ NodeTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': `looklook-${processName}`, 'service.namespace': 'looklook-graph' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  trace.setGlobalTracerProvider(provider);
  tracer = provider.getTracer('looklook-graph');
}

/** Sends the spans still buffered (at shutdown, so the last requests are not lost). */
export async function stopTracing(): Promise<void> {
  const p = provider;
  provider = undefined;
  tracer = undefined;
  await p?.shutdown().catch(() => undefined);
}
