import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import os from 'node:os';
import { nodeBinary } from '../scripts/node-release.js';

/**
 * `npm run bench`: runs every benchmark (bench/*.ts, and bench/<dir>/main.ts) one after another,
 * collects their `FIGURE <name> <value> <unit> # <what>` lines (bench/support.ts figure()) and
 * prints one table with the machine it ran on. `npm run bench -- user-me` runs only the scripts
 * whose path contains one of the given words. BENCH_DURATION (seconds per load run) is passed on;
 * BENCH_RUNS=N runs the whole list N times and prints each run's figures and their median.
 *
 * The benchmarks, and the stack they start, run on the Node the product ships on (the image's
 * Node 24), not on whatever Node started this script: BENCH_NODE names another release line, or
 * `system` for this one. It matters: on Node 20 every promise runs AsyncLocalStorage's promise
 * hooks (MikroORM's transactions and our request context use it), which Node 24's
 * AsyncContextFrame does without — a booking costs about twice the CPU on Node 20.
 */
const BENCH = new URL('./', import.meta.url).pathname;
const HELPERS = new Set(['support.ts', 'run.ts', 'profile-summary.ts']);
const filters = process.argv.slice(2);
const nodeLine = process.env.BENCH_NODE ?? '24';
const node = nodeLine === 'system' ? process.execPath : nodeBinary(nodeLine);
const nodeVersion = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();

const scripts = [
  ...readdirSync(BENCH)
    .filter((f) => f.endsWith('.ts') && !HELPERS.has(f))
    .sort(),
  ...readdirSync(BENCH, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(`${BENCH}${d.name}/main.ts`))
    .map((d) => `${d.name}/main.ts`)
    .sort(),
].filter((s) => !filters.length || filters.some((f) => s.includes(f)));

interface Figure {
  script: string;
  name: string;
  value: string;
  unit: string;
  what: string;
}
const failures: string[] = [];
/** BENCH_RUNS=N runs every script N times over (the whole list, then again), for figures of a noisy machine. */
const runs = Math.max(1, Math.floor(Number(process.env.BENCH_RUNS ?? 1)) || 1);

/** Runs one script, adding the figures it prints to `figures`; its exit code. */
function runScript(script: string, figures: Figure[]): Promise<number> {
  return new Promise<number>((resolve) => {
    const child = spawn(node, ['--import', 'tsx', `${BENCH}${script}`], { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
    let rest = '';
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop()!;
      for (const line of lines) {
        const m = /^FIGURE (\S+) (\S+) (\S+) # (.*)$/.exec(line.trim());
        if (m) figures.push({ script, name: m[1]!, value: m[2]!, unit: m[3]!, what: m[4]! });
      }
    });
    child.once('exit', (c) => resolve(c ?? 1));
  });
}

/**
 * Figures read against others of the same run (issue 15's targets): the product's paths against
 * the gateway's cheapest query, and against what the infrastructure alone does (bench/floors.ts).
 * A ratio is printed only when both of its figures were measured.
 */
const DERIVED: [name: string, numerator: string, denominator: string, what: string][] = [
  ['orders.create_vs_me.ratio', 'orders.create.distinct.rps', 'me.gateway.rps', 'bookings/s divided by `me` req/s through the gateway (target ≥ 0.5)'],
  ['homestays.page20_vs_me.ratio', 'homestays.page20.rps', 'me.gateway.rps', 'catalog pages/s divided by `me` req/s (target ≥ 0.5)'],
  ['payments.pipeline_vs_callbacks.ratio', 'payments.pipeline.events_per_s', 'payments.callbacks.rps', 'payment events applied/s divided by callbacks/s (target ≥ 0.95: the pipeline keeps up)'],
  ['payments.p99_vs_kafka.ratio', 'payments.callback_to_wait_use.p99', 'floor.kafka.roundtrip.p99', 'callback → WAIT_USE p99 divided by the Kafka round trip p99 (target ≤ 10)'],
  ['orders.close_vs_bullmq.ratio', 'orders.close.lateness.p99', 'floor.bullmq.lateness.p99', 'close lateness p99 divided by a no-op BullMQ job\'s (target ≤ 2)'],
];
function addRatios(figures: Figure[]): void {
  const valueOf = (name: string) => {
    const f = figures.find((x) => x.name === name);
    return f ? Number(f.value) : NaN;
  };
  for (const [name, num, den, what] of DERIVED) {
    const v = valueOf(num) / valueOf(den);
    if (Number.isFinite(v) && !figures.some((f) => f.name === name)) figures.push({ script: 'run.ts', name, value: v.toFixed(2), unit: 'x', what });
  }
}

const perRun: Figure[][] = [];
for (let run = 1; run <= runs; run++) {
  const figures: Figure[] = [];
  for (const script of scripts) {
    console.log(`\n=== bench/${script}${runs > 1 ? ` (run ${run} of ${runs})` : ''}`);
    const started = Date.now();
    const code = await runScript(script, figures);
    console.log(`=== bench/${script}: exit ${code} after ${((Date.now() - started) / 1000).toFixed(0)} s`);
    if (code !== 0) failures.push(runs > 1 ? `${script} (run ${run})` : script);
  }
  addRatios(figures);
  perRun.push(figures);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const shown = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(2));
const cpus = os.cpus();
console.log(`\nBenchmarks on ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, Node ${nodeVersion} (BENCH_NODE=${nodeLine}), ${os.platform()} ${os.release()}`);
console.log(
  `load: autocannon; seconds of load per run: ${process.env.BENCH_DURATION ? `BENCH_DURATION=${process.env.BENCH_DURATION}` : 'each script’s default'}; ` +
    (runs > 1 ? `${runs} runs (BENCH_RUNS), each ratio from the figures of its own run, and the median of the runs` : 'every figure, ratios included, is from this one run'),
);
// Every figure once, in the order first printed, with its value in each run.
const names = [...new Map(perRun.flat().map((f) => [f.name, f])).values()];
const valuesOf = (name: string) => perRun.map((figures) => figures.find((f) => f.name === name)?.value ?? '—');
const rows = names.map((f) => {
  const values = valuesOf(f.name);
  const numbers = values.filter((v) => v !== '—').map(Number);
  return [f.script, f.name, ...values, ...(runs > 1 ? [numbers.length ? shown(median(numbers)) : '—'] : []), f.unit, f.what];
});
const head = ['script', 'figure', ...(runs > 1 ? [...perRun.map((_, i) => `run ${i + 1}`), 'median'] : ['value']), 'unit', 'what it measures'];
const numeric = (i: number) => i >= 2 && i < head.length - 2;
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const fmt = (r: string[]) => r.map((c, i) => (numeric(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ');
console.log(fmt(head));
console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
for (const r of rows) console.log(fmt(r));
if (failures.length) {
  console.log(`\nfailed: ${failures.join(', ')}`);
  process.exitCode = 1;
}
