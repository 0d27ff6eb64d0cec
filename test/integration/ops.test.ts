import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayUrl, gql, processUrl, signUp, testNamespace } from '../support/gql.js';
import { freePort } from '../support/ports.js';
import { Stack } from '../support/stack.js';

/** Operability: /metrics, trace ids in logs, /admin/queues, /readyz (issue 7). */

const ROOT = new URL('../../', import.meta.url).pathname;
const metrics = async (base: string) => {
  const r = await fetch(`${base}/metrics`);
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toContain('text/plain');
  return r.text();
};
/** The value of one sample, `name{labels}` with the labels as they are printed (service first). */
const sample = (text: string, name: string, labels: Record<string, string>): number | undefined => {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const body = line.slice(name.length + 1, line.lastIndexOf('}'));
    if (Object.entries(labels).every(([k, v]) => body.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
};

describe('/metrics', () => {
  it('counts and times GraphQL operations by name and outcome, and subgraph fetches', async () => {
    await signUp('Metrics');
    await gql('query Broken { nope }');
    // A domain error from a subgraph comes through the gateway's data source with its code.
    const failed = await gql('mutation BadLogin { login(input: { mobile: "19900000001", password: "wrong-password-1" }) { accessToken } }');
    expect(failed.errors?.[0]?.extensions?.code).toBeTruthy();
    const gw = await metrics(gatewayUrl());
    expect(sample(gw, 'graphql_requests_total', { service: 'gateway', operation: '(anonymous)', outcome: 'success' })).toBeGreaterThanOrEqual(1);
    expect(sample(gw, 'graphql_requests_total', { operation: '(invalid)', outcome: 'invalid' })).toBeGreaterThanOrEqual(1);
    expect(sample(gw, 'graphql_requests_total', { operation: 'BadLogin', outcome: 'error' })).toBeGreaterThanOrEqual(1);
    expect(sample(gw, 'graphql_request_duration_seconds_count', { operation: '(anonymous)', outcome: 'success' })).toBeGreaterThanOrEqual(1);
    expect(gw).toMatch(/graphql_subgraph_fetch_duration_seconds_count\{[^}]*outcome="success"[^}]*\} [1-9]/);
    expect(gw).toMatch(/^websocket_connections\{service="gateway"\} \d+/m);
    expect(gw).toMatch(/^websocket_subscriptions\{service="gateway"\} \d+/m);
    expect(sample(gw, 'bullmq_queue_jobs', { queue: 'close-order', state: 'waiting' })).toBeGreaterThanOrEqual(0);
    expect(gw).toContain('process_resident_memory_bytes');

    const user = await metrics(processUrl('user'));
    expect(sample(user, 'graphql_requests_total', { service: 'user', outcome: 'success' })).toBeGreaterThanOrEqual(1);
  });

  it('exposes the named series after a booking and a payment', async () => {
    const { createHomestay, stay, callback } = await import('./payment/support.js');
    const { token } = await signUp('Metrics booker');
    const homestayId = await createHomestay(testNamespace());
    const booked = await gql(
      'mutation Book($input: CreateHomestayOrderInput!) { createHomestayOrder(input: $input) { sn total } }',
      { input: { homestayId, ...stay(40 + Math.floor(Math.random() * 200), 1), guests: 1 } },
      { token },
    );
    expect(booked.errors).toBeUndefined();
    const paid = await gql('mutation Pay($sn: ID!) { payOrder(orderSn: $sn) { sn amount } }', { sn: booked.data.createHomestayOrder.sn }, { token });
    expect(paid.errors).toBeUndefined();
    expect((await callback(gatewayUrl(), { paymentSn: paid.data.payOrder.sn, amount: paid.data.payOrder.amount })).status).toBe(200);

    const gw = await metrics(gatewayUrl());
    for (const operation of ['Book', 'Pay']) {
      expect(sample(gw, 'graphql_requests_total', { service: 'gateway', operation, outcome: 'success' })).toBeGreaterThanOrEqual(1);
      expect(sample(gw, 'graphql_request_duration_seconds_count', { operation, outcome: 'success' })).toBeGreaterThanOrEqual(1);
    }
    for (const subgraph of ['order', 'payment']) {
      expect(sample(gw, 'graphql_subgraph_fetch_duration_seconds_count', { subgraph, outcome: 'success' })).toBeGreaterThanOrEqual(1);
    }
    expect(sample(await metrics(processUrl('order')), 'graphql_requests_total', { service: 'order', outcome: 'success' })).toBeGreaterThanOrEqual(1);
    const pay = await metrics(processUrl('payment'));
    expect(sample(pay, 'graphql_requests_total', { service: 'payment', outcome: 'success' })).toBeGreaterThanOrEqual(1);
    expect(sample(pay, 'outbox_backlog', { table: 'payment_outbox' })).toBeGreaterThanOrEqual(0);

    // The jobs process: the booking's delayed close-order job, and the payment topic's consumer lag.
    let jobs = '';
    for (let i = 0; i < 40; i++) {
      jobs = await metrics(processUrl('jobs'));
      if (sample(jobs, 'kafka_consumer_lag', {}) !== undefined) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(sample(jobs, 'bullmq_queue_jobs', { service: 'jobs', queue: 'close-order', state: 'delayed' })).toBeGreaterThanOrEqual(1);
    for (const state of ['waiting', 'active', 'failed']) expect(sample(jobs, 'bullmq_queue_jobs', { queue: 'close-order', state })).toBeGreaterThanOrEqual(0);
    expect(sample(jobs, 'kafka_consumer_lag', { topic: `${testNamespace()}.payment-update-paystatus` })).toBeGreaterThanOrEqual(0);
  });

  it('names the operation when the client names it', async () => {
    await gql('query HomestayList { homestays(first: 1) { edges { cursor } } }');
    const gw = await metrics(gatewayUrl());
    expect(sample(gw, 'graphql_requests_total', { operation: 'HomestayList' })).toBeGreaterThanOrEqual(1);
  });
});

describe('/admin/queues (Bull Board)', () => {
  const url = () => `${gatewayUrl()}/admin/queues`;
  const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
  it('refuses a request without the admin credential, or with a wrong one', async () => {
    const none = await fetch(url());
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect((await fetch(url(), { headers: { authorization: basic('admin', 'wrong') } })).status).toBe(401);
    expect((await fetch(`${url()}/api/queues`)).status).toBe(401);
  });
  it('serves the board and the queues with the credential', async () => {
    const auth = { authorization: basic('admin', process.env.ADMIN_PASSWORD ?? 'looklook-dev-admin') };
    const page = await fetch(url(), { headers: auth });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
    const api = await fetch(`${url()}/api/queues`, { headers: auth });
    expect(api.status).toBe(200);
    const names = ((await api.json()) as { queues: { name: string }[] }).queues.map((q) => q.name);
    expect(names).toContain('close-order');
  });
});

describe('a private stack (own namespace, own Redis, debug logs)', () => {
  let redis: ChildProcess;
  let stack: Stack;
  const namespace = `${testNamespace()}ops`;
  const processes: ('user' | 'homestay' | 'order' | 'jobs' | 'gateway')[] = ['user', 'homestay', 'order', 'jobs', 'gateway'];
  beforeAll(async () => {
    const port = await freePort();
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], { stdio: 'ignore' });
    const migrated = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/migrate.ts'], { cwd: ROOT, env: { ...process.env, NAMESPACE: namespace }, encoding: 'utf8' });
    if (migrated.status !== 0) throw new Error(`migrate failed: ${migrated.stderr}`);
    const others = Object.fromEntries(
      (['user', 'homestay', 'order', 'payment'] as const).filter((n) => !processes.includes(n as never)).map((n) => [`${n.toUpperCase()}_URL`, processUrl(n)]),
    );
    stack = await Stack.start({
      namespace,
      processes,
      env: { REDIS_URL: `redis://127.0.0.1:${port}`, LOG_LEVEL: 'debug', ORDER_PAY_TIMEOUT: '1s', ...others },
    });
  });
  afterAll(async () => {
    await stack?.close();
    if (redis && redis.exitCode === null) redis.kill('SIGKILL');
    const { cleanupNamespace } = await import('../support/cleanup.js');
    await cleanupNamespace(namespace);
  });

  const lines = (name: 'user' | 'gateway' | 'order' | 'jobs') =>
    readFileSync(`${ROOT}.data/test-logs/${stack.namespace}-${name}-${stack.ports[name]}.log`, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const traceparent = (traceId: string) => `00-${traceId}-${'cd'.repeat(8)}-01`;
  let token = '';

  it('carries the trace id of a request header to the log lines of the gateway and the subgraph', async () => {
    const traceId = 'ab'.repeat(16);
    const r = await gql(
      'mutation TraceMe($i: RegisterInput!) { register(input: $i) { accessToken user { id } } }',
      { i: { mobile: `170${String(Date.now()).slice(-8)}`, password: 'trace-password-1' } },
      { url: stack.graphqlUrl, headers: { traceparent: traceparent(traceId), 'x-request-id': 'req-trace-test-1' } },
    );
    expect(r.errors).toBeUndefined();
    token = r.data.register.accessToken;
    await new Promise((res) => setTimeout(res, 300));
    const userLine = lines('user').find((l) => l.traceId === traceId);
    expect(userLine).toMatchObject({ requestId: 'req-trace-test-1' });
    expect(String(userLine!.operation)).toMatch(/^TraceMe/);
    expect(lines('gateway').find((l) => l.traceId === traceId)).toMatchObject({ requestId: 'req-trace-test-1' });
    // Neither the password nor the token of the mutation reaches a log.
    const all = JSON.stringify([...lines('user'), ...lines('gateway')]);
    expect(all).not.toContain('trace-password-1');
    expect(all).not.toContain(token);
  });

  it('carries it on to the close-order job the booking caused (through BullMQ job data)', async () => {
    const { createHomestay, stay } = await import('./payment/support.js');
    const traceId = 'ef'.repeat(16);
    const homestayId = await createHomestay(namespace);
    const r = await gql(
      'mutation TracedBook($input: CreateHomestayOrderInput!) { createHomestayOrder(input: $input) { sn } }',
      { input: { homestayId, ...stay(5, 1), guests: 1 } },
      { url: stack.graphqlUrl, token, headers: { traceparent: traceparent(traceId) } },
    );
    expect(r.errors).toBeUndefined();
    const sn = r.data.createHomestayOrder.sn;
    expect(lines('order').some((l) => l.traceId === traceId)).toBe(true);
    let jobLine: Record<string, unknown> | undefined;
    for (let i = 0; i < 60 && !jobLine; i++) {
      await new Promise((res) => setTimeout(res, 250));
      jobLine = lines('jobs').find((l) => l.sn === sn && l.traceId === traceId);
    }
    expect(jobLine).toBeDefined();
  });

  it('/readyz checks Redis for real: ready, then 503 once Redis is stopped', async () => {
    const before = await fetch(`${stack.gatewayUrl}/readyz`);
    const body = (await before.json()) as { checks: Record<string, string> };
    expect(body.checks.redis).toBe('ok');
    expect(body.checks.user).toBe('ok');
    const jobsBefore = (await (await fetch(`${stack.url('jobs')}/readyz`)).json()) as { checks: Record<string, string> };
    expect(jobsBefore.checks).toEqual({ mysql: 'ok', redis: 'ok', kafka: 'ok' });
    redis.kill('SIGKILL');
    await new Promise((r) => redis.once('exit', r));
    const after = await fetch(`${stack.gatewayUrl}/readyz`);
    expect(after.status).toBe(503);
    const b2 = (await after.json()) as { status: string; checks: Record<string, string> };
    expect(b2.status).toBe('not ready');
    expect(b2.checks.redis).not.toBe('ok');
    expect(b2.checks.order).not.toBe('ok'); // the order service needs Redis too
    const jobs = await fetch(`${stack.url('jobs')}/readyz`);
    expect(jobs.status).toBe(503);
  });
});
