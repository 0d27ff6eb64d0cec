import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getIntrospectionQuery } from 'graphql';
import { errorCode, gql, internalSecret, signUp, testNamespace, type GqlResult } from '../support/gql.js';
import { Stack } from '../support/stack.js';
import { connect, refusal, subscribe } from '../support/ws.js';
import { CONTEXT_HEADER, signContext } from '../../lib/internal-auth.js';
import { hostileDocument, tokenFlood } from '../support/hostile-queries.js';

/**
 * Issue 16, query cost: the gateway refuses, before any planning or subgraph call, documents whose
 * static cost is over QUERY_MAX_COST (5000 by default) or whose size is over QUERY_MAX_TOKENS /
 * QUERY_MAX_DIRECTIVES, over HTTP and over the socket; each subgraph bounds its own requests too.
 * A private gateway + user + homestay stack, so nothing else moves the homestay subgraph's counters.
 */
let stack: Stack;
const url = () => stack.graphqlUrl;
const post = (query: string, variables: Record<string, unknown> = {}) => gql(query, variables, { url: url() });

/** Sum of a counter over all its series in a process's /metrics. */
async function metric(base: string, name: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.split(' ').at(-1));
  return sum;
}

function expectCostRefusal(r: GqlResult, cost?: number) {
  expect(r.status).toBe(400);
  expect(errorCode(r)).toBe('GRAPHQL_VALIDATION_FAILED');
  expect(r.errors![0]!.extensions).toMatchObject({ limit: 5000 });
  expect(r.errors![0]!.extensions!.cost).toBeGreaterThan(5000);
  if (cost !== undefined) expect(r.errors![0]!.extensions!.cost).toBe(cost);
  expect(r.data).toBeUndefined();
}

beforeAll(async () => {
  stack = await Stack.start({ namespace: testNamespace(), processes: ['user', 'homestay', 'gateway'] });
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

describe('query cost through the gateway', () => {
  it('refuses the 30-alias document of the issue with its cost and the limit, 400, before any subgraph call', async () => {
    const before = await metric(stack.url('homestay'), 'graphql_requests_total');
    const r = await post(hostileDocument(30));
    expectCostRefusal(r);
    expect(r.errors![0]!.message).toMatch(/^Query cost limit of 5000 exceeded, found \d+\.$/);
    expect(await metric(stack.url('homestay'), 'graphql_requests_total')).toBe(before);
  });

  it('refuses twenty at once while { __typename } keeps being answered, and the homestay subgraph sees nothing', async () => {
    const requestsBefore = await metric(stack.url('homestay'), 'graphql_requests_total');
    const rssBefore = await metric(stack.url('homestay'), 'process_resident_memory_bytes');
    let done = false;
    const latencies: number[] = [];
    const probe = (async () => {
      while (!done) {
        const t = performance.now();
        const r = await post('{ __typename }');
        latencies.push(performance.now() - t);
        expect(r.data).toEqual({ __typename: 'Query' });
      }
    })();
    const hostile = hostileDocument(30);
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all(Array.from({ length: 20 }, () => post(hostile)));
      for (const r of results) expectCostRefusal(r);
    }
    done = true;
    await probe;
    expect(latencies.length).toBeGreaterThan(0);
    // A liveness bound, not a latency figure (bench/query-cost.ts measures p99).
    expect(Math.max(...latencies)).toBeLessThan(2000);
    expect(await metric(stack.url('homestay'), 'graphql_requests_total')).toBe(requestsBefore);
    expect((await metric(stack.url('homestay'), 'process_resident_memory_bytes')) - rssBefore).toBeLessThan(16 * 1024 * 1024);
  });

  it('counts first from variables: $n = 100 costs what first: 100 does, a small $n passes', async () => {
    const q = `query($n: Int) { homestays(first: $n) { edges { node { id comments(first: $n) { edges { node { id } } } } } } }`;
    // 1 connection + 100 edges + 100 nodes, each with 1 connection + 100 edges + 100 nodes.
    expectCostRefusal(await post(q, { n: 100 }), 1 + 100 + 100 + 100 * 201);
    const literal = await post(`{ homestays(first: 100) { edges { node { id comments(first: 100) { edges { node { id } } } } } } }`);
    expectCostRefusal(literal, 1 + 100 + 100 + 100 * 201);
    const small = await post(q, { n: 20 });
    expect(small.errors).toBeUndefined();
    expect(Array.isArray(small.data.homestays.edges)).toBe(true);
  });

  it('checks a persisted query sent by its hash alone with the variables of that request', async () => {
    const query = `query PersistedCost($n: Int) { homestays(first: $n) { edges { node { comments(first: $n) { edges { node { id } } } } } } }`;
    const persistedQuery = { version: 1, sha256Hash: createHash('sha256').update(query).digest('hex') };
    const send = (body: Record<string, unknown>) =>
      fetch(url(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({
        status: r.status,
        ...((await r.json()) as Omit<GqlResult, 'status'>),
      }));
    const registered = await send({ query, variables: { n: 2 }, extensions: { persistedQuery } });
    expect(registered.errors).toBeUndefined();
    const byHash = await send({ variables: { n: 100 }, extensions: { persistedQuery } });
    expectCostRefusal(byHash, 1 + 100 + 100 + 100 * 201);
    expect((await send({ variables: { n: 3 }, extensions: { persistedQuery } })).errors).toBeUndefined();
  });

  it('lets the biggest queries of the playground, README, tests and benchmarks through', async () => {
    const legit: Array<[string, Record<string, unknown>]> = [
      // bench/homestays.ts
      [`{ homestays(first: 20) { edges { cursor node { id title price cover rating business { id title } landlord { id nickname } } } pageInfo { hasNextPage endCursor } } }`, {}],
      // test/integration/homestay/public.test.ts
      [`query($first: Int) { homestays(first: $first, scope: ALL) { edges { cursor node { id title peopleNum roomCount } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`, { first: 100 }],
      [`{ businesses(first: 100) { edges { node { id title } } } }`, {}],
      // test/integration/homestay/query-count.test.ts, with a full page of businesses
      [`query($first: Int) { businesses(first: $first) { edges { node { id homestays(first: 3) { pageInfo { hasNextPage endCursor } edges { node { id comments(first: 2) { edges { node { id star } } } } } } } } } }`, { first: 100 }],
      // test/integration/user.test.ts: 30 aliases
      [`{ ${Array.from({ length: 30 }, (_, i) => `g${i}: guessYouLike { id }`).join(' ')} }`, {}],
      // the playground's default query and GraphiQL's introspection (every option the gateway knows)
      [`query Homestays { homestays(first: 5) { edges { node { id title price } } } }`, {}],
      [getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true }), {}],
    ];
    for (const [query, variables] of legit) {
      const r = await post(query, variables);
      expect(r.errors, query.slice(0, 60)).toBeUndefined();
      expect(r.status).toBe(200);
    }
  });

  it('refuses a 10 KB document of tokens with GRAPHQL_PARSE_FAILED, and repeated fields, before any subgraph call', async () => {
    const before = await metric(stack.url('homestay'), 'graphql_requests_total');
    const flood = tokenFlood();
    expect(flood.length).toBeGreaterThan(9 * 1024);
    const tokens = await post(flood);
    expect(tokens.status).toBe(400);
    expect(errorCode(tokens)).toBe('GRAPHQL_PARSE_FAILED');
    expect(tokens.errors![0]!.message).toBe('Syntax Error: Document contains more than 3000 tokens. Parsing aborted.');
    expect(tokens.errors![0]!.extensions!.limit).toBe(3000);

    const directives = await post(`{ homestays(first: 1) { edges { node { id ${'title @include(if: true) '.repeat(51)} } } } }`);
    expect(directives.status).toBe(400);
    expect(errorCode(directives)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(directives.errors![0]!.message).toBe('Directives limit of 50 exceeded.');

    // Cheap to cost (one homestay each) but quadratic for graphql-js to validate.
    const repeated = await post(`{ ${'homestay(id: "1") { id } '.repeat(300)}}`);
    expect(repeated.status).toBe(400);
    expect(errorCode(repeated)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(repeated.errors![0]!.message).toMatch(/Field "homestay" is selected 300 times/);
    expect(await metric(stack.url('homestay'), 'graphql_requests_total')).toBe(before);
  });

  it('refuses the same documents over the socket', async () => {
    const { token } = await signUp('Cost Socket');
    const conn = connect(stack.wsUrl, token);
    try {
      await conn.connected;
      const costly = subscribe(conn, hostileDocument(30));
      await costly.settled();
      expect(refusal(costly)).toBe('GRAPHQL_VALIDATION_FAILED');
      const error = (costly.errors[0] as { extensions: Record<string, unknown> }[])[0]!;
      expect(error.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', limit: 5000 });
      expect(error.extensions.cost).toBeGreaterThan(5000);

      const byVariable = subscribe(conn, `query($n: Int) { homestays(first: $n) { edges { node { comments(first: $n) { edges { node { id } } } } } } }`, { n: 100 });
      await byVariable.settled();
      expect((byVariable.errors[0] as { extensions: Record<string, unknown> }[])[0]!.extensions.cost).toBe(1 + 100 + 100 + 100 * 201);

      const flood = subscribe(conn, tokenFlood());
      await flood.settled();
      expect(refusal(flood)).toBe('GRAPHQL_PARSE_FAILED');

      const fine = subscribe(conn, `{ homestays(first: 2) { edges { node { id } } } }`);
      await fine.settled();
      expect(fine.results[0]?.errors).toBeUndefined();
    } finally {
      await conn.dispose();
    }
  });
});

describe('each subgraph bounds its own requests', () => {
  const direct = (query: string, variables: Record<string, unknown> = {}) =>
    fetch(`${stack.url('homestay')}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [CONTEXT_HEADER]: signContext({}, internalSecret()) },
      body: JSON.stringify({ query, variables }),
    }).then(async (r) => ({ status: r.status, ...((await r.json()) as Omit<GqlResult, 'status'>) }));

  it('refuses the hostile document sent with a valid signature straight to the homestay subgraph', async () => {
    const r = await direct(hostileDocument(30));
    expectCostRefusal(r);
    const flood = await direct(`{ ${'__typename '.repeat(7000)}}`);
    expect(flood.status).toBe(400);
    expect(errorCode(flood)).toBe('GRAPHQL_PARSE_FAILED');
  });

  it('still answers the gateway’s entity fetches with many representations (one per representation)', async () => {
    const ids = Array.from({ length: 50 }, (_, i) => String(i + 1));
    const representations = Array.from({ length: 1000 }, (_, i) => ({ __typename: 'Homestay', id: ids[i % ids.length] }));
    const fetched = await direct(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Homestay { id title business { id } } } }`, { r: representations });
    expect(fetched.errors).toBeUndefined();
    expect(fetched.data._entities).toHaveLength(1000);
    // 3000 representations each with a business cost 6000: over the limit.
    const tooMany = Array.from({ length: 3000 }, (_, i) => ({ __typename: 'Homestay', id: ids[i % ids.length] }));
    const refused = await direct(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Homestay { id business { id } } } }`, { r: tooMany });
    expectCostRefusal(refused, 6000);
  });
});
