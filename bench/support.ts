import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { Stack, type StackOptions } from '../test/support/stack.js';
import { removeStackBuild, useStackBuild } from '../test/support/transpile.js';

/**
 * Benchmarks run the real product processes, like the integration tests, in a namespace of their
 * own that is dropped afterwards. Each bench script is runnable alone (`tsx bench/x.ts`) and
 * prints its figures; `npm run bench` runs them all.
 *
 * The processes run the product transpiled to JavaScript, as it ships (`npm run build`), not through
 * tsx: tsx's loader stays in the process after start-up (its source-map hooks), and its transform
 * wraps every function created at run time in a `__name` call (esbuild's keepNames), which the
 * profiles of a `me` or a catalog page showed among their hot functions. BENCH_TSX=1 runs the
 * TypeScript sources through tsx instead.
 */
export async function withBenchStack<T>(
  fn: (stack: Stack) => Promise<T>,
  opts: Omit<StackOptions, 'namespace'> = {},
): Promise<T> {
  const namespace = `tb${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  process.env.NAMESPACE = namespace;
  const { ensureInfra } = await import('../scripts/infra/index.js');
  const { migrateAll } = await import('../scripts/migrate.js');
  const { cleanupNamespace } = await import('../test/support/cleanup.js');
  await ensureInfra(() => undefined);
  await migrateAll(() => undefined);
  if (process.env.BENCH_TSX !== '1') await useStackBuild(namespace);
  try {
    const stack = await Stack.start({ namespace, ...opts, env: { LOG_LEVEL: 'error', ...opts.env } });
    try {
      return await fn(stack);
    } finally {
      await stack.close();
      await cleanupNamespace(namespace);
    }
  } finally {
    removeStackBuild(namespace);
  }
}

export interface LoadResult {
  requestsPerSec: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** Requests completed in the whole run (requestsPerSec is autocannon's per-second average). */
  total?: number;
}

/** Runs autocannon against a GraphQL endpoint with one fixed operation. */
export async function loadGraphql(
  url: string,
  body: { query: string; variables?: Record<string, unknown> },
  opts: { connections?: number; duration?: number; headers?: Record<string, string> } = {},
): Promise<LoadResult> {
  const result = await autocannon({
    url,
    method: 'POST',
    connections: opts.connections ?? 50,
    duration: opts.duration ?? 10,
    headers: { 'content-type': 'application/json', ...opts.headers },
    body: JSON.stringify(body),
  });
  return {
    requestsPerSec: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
    total: result.requests.total,
  };
}

/** One figure line as bench/run.ts collects them: `FIGURE <name> <value> <unit> # <what it measures>`. */
export function figure(name: string, value: number, unit: string, what: string): void {
  const shown = Number.isInteger(value) ? String(value) : value.toFixed(2);
  console.log(`FIGURE ${name} ${shown} ${unit} # ${what}`);
}

/** Now on the monotonic clock the CPU profiles of `--cpu-prof` stamp their samples with, in µs. */
export const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/** Prints when a phase of a benchmark ran, for `bench/profile-summary.ts --between A B`. */
export function phase(name: string, fromUs: number, toUs = monotonicUs()): void {
  console.log(`PHASE ${name} ${fromUs} ${toUs} # profile-summary --between ${fromUs} ${toUs}`);
}

/** Linux clock ticks per second of /proc/<pid>/stat's CPU times (USER_HZ, 100 on every mainstream kernel). */
const CLOCK_TICKS = 100;

/**
 * CPU time (user + system, ms) spent so far by each process of the stack: the gateway, the
 * subgraphs and the jobs process; not the load generator, not MariaDB, Redis or Kafka. The
 * difference over a run divided by the operations done is that path's CPU per operation.
 */
export function stackCpuByProcess(stack: Stack): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, pid] of Object.entries(stack.pids())) {
    try {
      // Fields after the command name (which is in parentheses and may hold spaces): utime is the 12th, stime the 13th.
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      out[name] = ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/**
 * CPU ms per operation since `before` (a stackCpuByProcess reading), process by process: prints
 * the split to stderr (it is no figure: where the CPU goes decides what to optimise) and returns the total.
 */
export function cpuPerOpSince(stack: Stack, before: Record<string, number>, label: string, ops: number): number {
  const after = stackCpuByProcess(stack);
  const n = Math.max(1, ops);
  const split = Object.entries(after).map(([p, ms]) => [p, (ms - (before[p] ?? 0)) / n] as const);
  const total = split.reduce((a, [, ms]) => a + ms, 0);
  console.error(`cpu per ${label}: ${total.toFixed(2)} ms = ${split.map(([p, ms]) => `${p} ${ms.toFixed(2)}`).join(', ')}`);
  return total;
}

/** Runs `run` and measures its CPU per operation (cpuPerOpSince). */
export async function cpuPerOp<T>(stack: Stack, label: string, run: () => Promise<T>, ops: (r: T) => number): Promise<{ result: T; msPerOp: number }> {
  const before = stackCpuByProcess(stack);
  const from = monotonicUs();
  const result = await run();
  phase(label, from);
  return { result, msPerOp: cpuPerOpSince(stack, before, label, ops(result)) };
}
