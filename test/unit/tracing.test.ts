import { describe, expect, it } from 'vitest';
import { tracingWanted } from '../../lib/tracing.js';
import { SpanKind, contextFromHeaders, openSpan, parseParent, traceCarrier } from '../../lib/request-context.js';

describe('tracing configuration', () => {
  it('is off by default and turns on only with the standard OTLP variables', () => {
    expect(tracingWanted({})).toBe(false);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(true);
    expect(tracingWanted({ OTEL_TRACES_EXPORTER: 'otlp' })).toBe(true);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' })).toBe(false);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
  });
});

describe('trace context without the SDK', () => {
  it('keeps the caller’s trace id, makes a span id of its own and records nothing', () => {
    const ctx = contextFromHeaders((h) => ({ traceparent: `00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-01`, 'x-request-id': 'r-1' })[h]);
    expect(ctx).toMatchObject({ traceId: 'ab'.repeat(16), requestId: 'r-1' });
    expect(ctx.spanId).toMatch(/^[\da-f]{16}$/);
    expect(ctx.spanId).not.toBe('cd'.repeat(8));
    expect(ctx.span).toBeUndefined();
    expect(traceCarrier(ctx)).toEqual({ traceparent: `00-${'ab'.repeat(16)}-${ctx.spanId}-01`, 'x-request-id': 'r-1' });
  });

  it('starts a new trace for a missing or malformed traceparent (request ids end up in logs: only sane ones kept)', () => {
    for (const bad of [undefined, 'garbage', `00-${'0'.repeat(32)}-${'cd'.repeat(8)}-01`, `00-${'ab'.repeat(16)}-${'0'.repeat(16)}-01`]) {
      expect(parseParent(bad)).toBeNull();
    }
    const ctx = contextFromHeaders((h) => ({ traceparent: 'garbage', 'x-request-id': 'bad id with spaces' })[h]);
    expect(ctx.traceId).toMatch(/^[\da-f]{32}$/);
    expect(ctx.requestId).not.toBe('bad id with spaces');
    expect(openSpan('x', SpanKind.INTERNAL, null, 'r').traceId).not.toBe(openSpan('x', SpanKind.INTERNAL, null, 'r').traceId);
  });
});
