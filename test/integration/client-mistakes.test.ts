import { readFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processUrl, testNamespace } from '../support/gql.js';
import { Stack, type ProcessName } from '../support/stack.js';

/**
 * Client mistakes are the client's: a 4xx with a clear answer, and no error-level log line (an
 * error line pages someone; a scanner or a typo must not). A private gateway and payment service
 * run with LOG_LEVEL=info on the shared test namespace, so their logs hold only what these
 * requests (and their own start) wrote; the other subgraphs are the shared stack's.
 */
const ROOT = new URL('../../', import.meta.url).pathname;
const PROCESSES: ProcessName[] = ['payment', 'gateway'];
let stack: Stack;
let logSizes: Map<ProcessName, number>;

const logFile = (name: ProcessName) => `${ROOT}.data/test-logs/${stack.namespace}-${name}-${stack.ports[name]}.log`;
/** Log lines the private processes wrote since `logSizes` was taken. */
function newLogLines(): Record<string, unknown>[] {
  return PROCESSES.flatMap((name) =>
    readFileSync(logFile(name)).subarray(logSizes.get(name)).toString('utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => ({ process: name, ...(JSON.parse(l) as Record<string, unknown>) })),
  );
}

const post = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(stack.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
const firstError = async (res: Response) => ((await res.json()) as { errors: { message: string; extensions: { code: string } }[] }).errors[0]!;

beforeAll(async () => {
  const others = Object.fromEntries((['user', 'homestay', 'order'] as const).map((n) => [`${n.toUpperCase()}_URL`, processUrl(n)]));
  stack = await Stack.start({ namespace: testNamespace(), processes: PROCESSES, env: { LOG_LEVEL: 'info', ...others } });
  // Let start-up lines land first: only what the requests below cause is judged.
  await new Promise((r) => setTimeout(r, 500));
  logSizes = new Map(PROCESSES.map((n) => [n, statSync(logFile(n)).size]));
});
afterAll(async () => {
  await stack?.close();
});

describe('client mistakes are 4xx, never error-level log lines', () => {
  it('an unknown operationName is 400', async () => {
    const res = await post({ query: 'query A { __typename } query B { __typename }', operationName: 'C' });
    expect(res.status).toBe(400);
    const err = await firstError(res);
    expect(err.message).toBe('Unknown operation named "C".');
    expect(err.extensions.code).toBe('OPERATION_RESOLUTION_FAILURE');
    // Two operations and no name: the same kind of mistake.
    const unnamed = await post({ query: 'query A { __typename } query B { __typename }' });
    expect(unnamed.status).toBe(400);
    expect((await firstError(unnamed)).message).toMatch(/operation name/);
    // The right name still works.
    const ok = await post({ query: 'query A { __typename } query B { __typename }', operationName: 'B' });
    expect([ok.status, await ok.json()]).toEqual([200, { data: { __typename: 'Query' } }]);
  });

  it('a subscription over HTTP is refused, pointing at the WebSocket', async () => {
    const subscription = 'subscription Live { orderStateChanged { to } }';
    const res = await post({ query: subscription });
    expect(res.status).toBe(400);
    const err = await firstError(res);
    expect(err.extensions.code).toBe('BAD_REQUEST');
    expect(err.message).toContain('WebSocket');
    expect(err.message).toContain('graphql-ws');
    expect(err.message).toContain(stack.wsUrl);
    const get = await fetch(`${stack.graphqlUrl}?query=${encodeURIComponent(subscription)}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect([400, 405]).toContain(get.status);
    expect((await firstError(get)).message).toContain(stack.wsUrl);
  });

  it('a playground asset named after an Object.prototype member is 404; real assets still load', async () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'isPrototypeOf']) {
      const res = await fetch(`${stack.gatewayUrl}/playground/assets/${name}`);
      expect(res.status, name).toBe(404);
      await res.arrayBuffer();
    }
    expect((await fetch(`${stack.gatewayUrl}/playground/assets/graphiql.js`)).status).toBe(200);
  });

  it('a payment callback for an unknown provider is 404 FAIL, at the gateway and at the payment service', async () => {
    for (const base of [stack.gatewayUrl, stack.url('payment')]) {
      for (const provider of ['alipay', 'nope-1']) {
        const res = await fetch(`${base}/payments/notify/${provider}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        expect([res.status, await res.text()], `${base} ${provider}`).toEqual([404, 'FAIL']);
      }
    }
    // The known provider is still there (an unsigned call is refused by its signature check).
    const sandbox = await fetch(`${stack.gatewayUrl}/payments/notify/sandbox`, { method: 'POST', body: '{}' });
    expect([sandbox.status, await sandbox.text()]).toEqual([401, 'FAIL']);
  });

  it('wrote no error-level line for any of them', async () => {
    await new Promise((r) => setTimeout(r, 300));
    const lines = newLogLines();
    // The requests were logged (at info), so the logs were read at all.
    expect(lines.some((l) => l.msg === 'graphql request')).toBe(true);
    expect(lines.filter((l) => Number(l.level) >= 50)).toEqual([]);
  });
});
