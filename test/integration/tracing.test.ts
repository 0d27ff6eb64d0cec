import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, testNamespace, uniqueMobile } from '../support/gql.js';
import { freePort } from '../support/ports.js';
import { Stack } from '../support/stack.js';
import { callback, createHomestay, payOrder, readOrder, stay, waitFor } from './payment/support.js';

/**
 * OpenTelemetry across gateway → subgraphs → Kafka → jobs (issue 7): a stack of its own with the
 * OTLP exporter pointed at a small OTLP/HTTP receiver here, which keeps every span it is sent.
 */

const ROOT = new URL('../../', import.meta.url).pathname;

interface ExportedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
}
const SPAN_KIND = { SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;

const spans: ExportedSpan[] = [];
let receiver: Server;
let stack: Stack;
const namespace = `${testNamespace()}otel`;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const doc = JSON.parse(body) as {
          resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: Omit<ExportedSpan, 'service'>[] }[] }[];
        };
        for (const rs of doc.resourceSpans) {
          const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '?';
          for (const ss of rs.scopeSpans) for (const s of ss.spans) spans.push({ ...s, parentSpanId: s.parentSpanId ?? '', service });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  const port = await freePort();
  await new Promise<void>((r) => receiver.listen(port, '127.0.0.1', r));
  const migrated = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/migrate.ts'], { cwd: ROOT, env: { ...process.env, NAMESPACE: namespace }, encoding: 'utf8' });
  if (migrated.status !== 0) throw new Error(`migrate failed: ${migrated.stderr}`);
  stack = await Stack.start({
    namespace,
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_BSP_SCHEDULE_DELAY: '100' },
  });
});

afterAll(async () => {
  await stack?.close();
  receiver?.close();
  const { cleanupNamespace } = await import('../support/cleanup.js');
  await cleanupNamespace(namespace);
});

const inTrace = (traceId: string) => spans.filter((s) => s.traceId === traceId);
const parentOf = (s: ExportedSpan) => spans.find((p) => p.spanId === s.parentSpanId);
/** Waits until the trace holds a span matching `pred` (spans arrive in batches, a moment late). */
const spanWhere = (traceId: string, what: string, pred: (s: ExportedSpan) => boolean) =>
  waitFor(what, async () => inTrace(traceId).find(pred), 20_000, 100);
const traceparent = (traceId: string) => `00-${traceId}-${'cd'.repeat(8)}-01`;

describe('OpenTelemetry tracing with the OTLP exporter on', () => {
  let token = '';

  it('records gateway → subgraph as one trace under the caller’s traceparent', async () => {
    const traceId = '1a'.repeat(16);
    const r = await gql(
      'mutation Traced($input: RegisterInput!) { register(input: $input) { accessToken } }',
      { input: { mobile: uniqueMobile(), password: 'otel-password-1' } },
      { url: stack.graphqlUrl, headers: { traceparent: traceparent(traceId) } },
    );
    expect(r.errors).toBeUndefined();
    token = r.data.register.accessToken;

    const user = await spanWhere(traceId, 'the user subgraph span', (s) => s.service === 'looklook-user' && s.kind === SPAN_KIND.SERVER);
    // The gateway names the subgraph operation after the client's (Traced__user__0).
    expect(user.name).toMatch(/^graphql Traced__user__/);
    const fetch = parentOf(user)!;
    expect(fetch).toMatchObject({ service: 'looklook-gateway', kind: SPAN_KIND.CLIENT });
    const root = parentOf(fetch)!;
    expect(root).toMatchObject({ service: 'looklook-gateway', kind: SPAN_KIND.SERVER, parentSpanId: 'cd'.repeat(8) });
  });

  it('follows a payment from the callback through Kafka to the consumer, its read of the payment and the notify job', async () => {
    const homestayId = await createHomestay(namespace);
    const booked = await gql(
      'mutation($input: CreateHomestayOrderInput!) { createHomestayOrder(input: $input) { sn } }',
      { input: { homestayId, ...stay(3, 1), guests: 1 } },
      { url: stack.graphqlUrl, token },
    );
    expect(booked.errors).toBeUndefined();
    const sn = booked.data.createHomestayOrder.sn as string;
    const payment = await payOrder(token, sn, { url: stack.graphqlUrl });

    const traceId = '2b'.repeat(16);
    const reply = await callback(stack.gatewayUrl, { paymentSn: payment.sn, amount: payment.amount }, { headers: { traceparent: traceparent(traceId) } });
    expect(reply.text).toBe('SUCCESS');
    await waitFor('the order paid', async () => (await readOrder(token, sn, { url: stack.graphqlUrl })).data?.order?.state === 'WAIT_USE');

    // The payment service's span writes the outbox row; the relay carries its context in the Kafka headers.
    const paymentSpan = await spanWhere(traceId, 'the payment callback span', (s) => s.service === 'looklook-payment' && s.kind === SPAN_KIND.SERVER && s.name.includes('/payments/notify/'));
    const consumed = await spanWhere(traceId, 'the Kafka consumer span', (s) => s.service === 'looklook-jobs' && s.kind === SPAN_KIND.CONSUMER && s.name.startsWith('consume '));
    expect(consumed.parentSpanId).toBe(paymentSpan.spanId);
    // The consumer's call back to the payment service (the payment as it is now) continues the same trace.
    const read = await spanWhere(traceId, 'the payment read span', (s) => s.service === 'looklook-payment' && s.name.includes('/payments/states'));
    expect(parentOf(read)).toMatchObject({ service: 'looklook-jobs', kind: SPAN_KIND.CLIENT });
    expect(parentOf(parentOf(read)!)?.spanId).toBe(consumed.spanId);
    // And the notify job it enqueued runs under the enqueue span, through BullMQ's job data.
    const job = await spanWhere(traceId, 'the pay-success-notify job span', (s) => s.service === 'looklook-jobs' && s.name === 'job notify');
    expect(job.kind).toBe(SPAN_KIND.CONSUMER);
    expect(parentOf(job)).toMatchObject({ name: 'enqueue pay-success-notify', kind: SPAN_KIND.PRODUCER });
    expect(parentOf(parentOf(job)!)?.spanId).toBe(consumed.spanId);
  });
});
