import { readFileSync } from 'node:fs';
import { getOperationAST, parse, specifiedRules, validate } from 'graphql';
import { composeServices } from '@apollo/composition';
import YAML from 'yaml';
import { operationCost } from '../lib/query-cost.js';
import { QueryGuard, type QueryBounds } from '../lib/query-guard.js';
import { queryLimitRules } from '../gateway/query-limits.js';
import { hostileDocument, tokenFlood } from '../test/support/hostile-queries.js';
import { figure, loadGraphql, withBenchStack } from './support.js';

/**
 * What refusing a hostile document costs the gateway (issue 16):
 * - in process: QueryGuard.check (lexing, parsing, merged fields, cost) on the 30-alias document of
 *   the issue, a 10 KB token flood and 300 repeated fields, each first seen (a comment varies the
 *   text, as an attacker would to miss the cache), next to what graphql-js validation of the
 *   hostile document alone would take;
 * - through a gateway + user + homestay stack: gateway CPU per refused request (its
 *   process_cpu_seconds_total over the requests), `{ __typename }` latency alone and while 20
 *   connections send the hostile document, and what the homestay subgraph saw meanwhile.
 */
const ROOT = new URL('../', import.meta.url).pathname;
const duration = Number(process.env.BENCH_DURATION ?? 10);
const bounds: QueryBounds = { maxTokens: 3000, maxDirectives: 50, maxCost: 5000 };

const cfg = YAML.parse(readFileSync(`${ROOT}supergraph.yaml`, 'utf8')) as { subgraphs: Record<string, { routing_url: string; schema: { file: string } }> };
const services = Object.entries(cfg.subgraphs).map(([name, s]) => ({ name, url: s.routing_url, typeDefs: parse(readFileSync(`${ROOT}${s.schema.file}`, 'utf8')) }));
const schema = composeServices(services).schema!.toAPISchema().toGraphQLJSSchema();
const guard = new QueryGuard(bounds, () => schema);

/** Median microseconds of fn(i) over n runs, after n/5 warm-up runs. */
function micros(n: number, fn: (i: number) => unknown): number {
  for (let i = 0; i < n / 5; i++) fn(-i - 1);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    fn(i);
    times.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  return times.sort((a, b) => a - b)[Math.floor(n / 2)]!;
}
const mustRefuse = (query: string, code: string) => {
  const { error } = guard.check(query, undefined, undefined);
  if (error?.extensions.code !== code) throw new Error(`expected ${code}, got ${error?.extensions.code ?? 'no error'}`);
};

const hostile = hostileDocument(30);
const flood = tokenFlood();
const repeated = `{ ${'homestay(id: "1") { id } '.repeat(300)}}`;
const PAGE = `{ homestays(first: 20) { edges { cursor node { id title price cover rating business { id title } landlord { id nickname } } } pageInfo { hasNextPage endCursor } } }`;

const costOf = (q: string, variables?: Record<string, unknown>) => {
  const doc = parse(q);
  return operationCost(schema, doc, getOperationAST(doc)!, { variables });
};
figure('query.cost.hostile', costOf(hostile), 'points', 'static cost of the 30-alias document of issue 16 (QUERY_MAX_COST default 5000)');
figure('query.cost.page20', costOf(PAGE), 'points', 'bench/homestays.ts page of 20 with business and landlord');
figure(
  'query.cost.businesses100',
  costOf(`query($first: Int) { businesses(first: $first) { edges { node { id homestays(first: 3) { pageInfo { hasNextPage endCursor } edges { node { id comments(first: 2) { edges { node { id star } } } } } } } } } }`, { first: 100 }),
  'points',
  'the query-count test’s nested businesses → homestays → comments with a full page of 100 businesses',
);
figure('query.cost.guess30', costOf(`{ ${Array.from({ length: 30 }, (_, i) => `g${i}: guessYouLike { id }`).join(' ')} }`), 'points', '30 aliases of guessYouLike (user.test.ts)');

/** Sum of a series over its labels in a process's /metrics. */
async function metric(base: string, name: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.split(' ').at(-1));
  return sum;
}

await withBenchStack(
  async (stack) => {
    const gateway = stack.gatewayUrl;
    const homestay = stack.url('homestay');
    const typename = { query: '{ __typename }' };
    const cpuA = await metric(gateway, 'process_cpu_seconds_total');
    const alone = await loadGraphql(stack.graphqlUrl, typename, { connections: 10, duration });
    const cpuB = await metric(gateway, 'process_cpu_seconds_total');

    const cpu0 = await metric(gateway, 'process_cpu_seconds_total');
    // The same text every time, as the client sent it (first-seen documents: in-process figure below).
    const refusedOnly = await loadGraphql(stack.graphqlUrl, { query: hostile }, { connections: 20, duration });
    const cpu1 = await metric(gateway, 'process_cpu_seconds_total');
    const refusedTotal = refusedOnly.total ?? refusedOnly.requestsPerSec * duration;

    const requests0 = await metric(homestay, 'graphql_requests_total');
    const rss0 = await metric(homestay, 'process_resident_memory_bytes');
    const [probe, attack] = await Promise.all([
      loadGraphql(stack.graphqlUrl, typename, { connections: 10, duration }),
      loadGraphql(stack.graphqlUrl, { query: hostile }, { connections: 20, duration }),
    ]);
    const requests1 = await metric(homestay, 'graphql_requests_total');
    const rss1 = await metric(homestay, 'process_resident_memory_bytes');

    figure('query.refuse.hostile_cost.gateway_cpu.us', ((cpu1 - cpu0) * 1e6) / refusedTotal, 'µs', 'gateway CPU per refused hostile request over HTTP (express, JSON body, guard), 20 connections');
    figure('query.typename.gateway_cpu.us', ((cpuB - cpuA) * 1e6) / (alone.total ?? alone.requestsPerSec * duration), 'µs', 'for comparison: gateway CPU per `{ __typename }` answered, 10 connections');
    figure('query.refuse.hostile.rps', refusedOnly.requestsPerSec, 'req/s', 'hostile documents refused per second, 20 connections');
    figure('query.typename.p99', alone.p99, 'ms', '`{ __typename }` alone, 10 connections, 99th percentile');
    figure('query.typename_under_attack.p99', probe.p99, 'ms', '`{ __typename }`, 10 connections, while 20 connections send the hostile document, 99th percentile');
    figure('query.typename_under_attack.rps', probe.requestsPerSec, 'req/s', '`{ __typename }` answered per second meanwhile');
    figure('query.refuse.homestay_requests', requests1 - requests0, 'requests', 'GraphQL requests the homestay subgraph saw during the attack');
    figure('query.refuse.homestay_rss_delta.mb', (rss1 - rss0) / 2 ** 20, 'MB', 'homestay subgraph RSS change during the attack');
    if (attack.non2xx !== (attack.total ?? attack.non2xx) || probe.non2xx + probe.errors > 0) {
      console.error(`warning: hostile answered 2xx ${(attack.total ?? 0) - attack.non2xx} times; __typename non-2xx ${probe.non2xx}, errors ${probe.errors}`);
    }
  },
  { processes: ['user', 'homestay', 'gateway'] },
);

// After the stack: queryLimitRules() reads the configuration, which must not be cached before
// withBenchStack has set the bench's namespace.
mustRefuse(hostile, 'GRAPHQL_VALIDATION_FAILED');
mustRefuse(flood, 'GRAPHQL_PARSE_FAILED');
mustRefuse(repeated, 'GRAPHQL_VALIDATION_FAILED');
figure('query.refuse.hostile_cost.us', micros(2000, (i) => guard.check(`${hostile}\n# ${i}`, undefined, undefined)), 'µs', 'refusing the 30-alias document first seen: lex, parse, cost walk (median, in process)');
figure('query.refuse.hostile_cost_cached.us', micros(5000, () => guard.check(hostile, undefined, undefined)), 'µs', 'refusing the same text again (parsed document cached): lookup and cost walk');
figure('query.refuse.tokens_10kb.us', micros(5000, (i) => guard.check(`${flood}# ${i}`, undefined, undefined)), 'µs', 'refusing 10 KB of tokens (QUERY_MAX_TOKENS 3000) by lexing alone (median, in process)');
figure('query.refuse.repeated_fields.us', micros(2000, (i) => guard.check(`${repeated}# ${i}`, undefined, undefined)), 'µs', 'refusing 300 repeated `homestay { id }` (7 KB) before graphql-js compares them pairwise');
const hostileDoc = parse(hostile);
const rules = [...specifiedRules, ...queryLimitRules()];
figure('query.validate.hostile.us', micros(100, () => validate(schema, hostileDoc, rules)), 'µs', 'for comparison: graphql-js validation (specified rules + depth/alias limits) of the hostile document alone');
const repeatedDoc = parse(repeated);
figure('query.validate.repeated_fields.us', micros(10, () => validate(schema, repeatedDoc, specifiedRules)), 'µs', 'for comparison: graphql-js validation of the 300 repeated fields');
figure('query.check.page20.us', micros(20000, () => guard.check(PAGE, undefined, undefined)), 'µs', 'what the guard adds to a known legitimate query (cached document, cost walk)');
