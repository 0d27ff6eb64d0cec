import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { freePort, freePorts } from '../../test/support/ports.js';
import { removeStackBuild, useStackBuild } from '../../test/support/transpile.js';
import { figure, loadGraphql, type LoadResult } from '../support.js';
import { NAMES, SUBGRAPHS, TEST_QUERY } from './subgraphs.js';

/**
 * Side-by-side gateways on the public federation gateway benchmark's scenario: the four demo
 * subgraphs (a Node process each, @apollo/subgraph) and its deep TestQuery, served by
 *   (a) this project's gateway (gateway/main.ts, its own configuration, NODE_ENV=production),
 *   (b) a stock @apollo/gateway + @apollo/server with default settings,
 *   (c) Hive Gateway (@graphql-hive/gateway runtime) with default settings.
 * All three run at once against the same subgraphs; each gets a warm-up (BENCH_WARMUP s), then
 * the same load, autocannon with 50 connections, visits them in turn BENCH_ROUNDS times (default
 * 3) for BENCH_DURATION seconds each in all (default 12), so background load hits all alike.
 * req/s = requests over the total seconds; p99 = median of the rounds' p99; peak memory = the
 * gateway process's peak RSS (VmHWM) over its whole life, warm-up included.
 *
 * (a) runs transpiled to JavaScript, as it ships (`npm run build`), like the stack benchmarks
 * (bench/support.ts: tsx's loader and keepNames wrappers cost the product CPU on every request);
 * BENCH_TSX=1 runs it through tsx. The other gateways are libraries: their code is JavaScript already.
 */
const ROOT = new URL('../../', import.meta.url).pathname;
const duration = Number(process.env.BENCH_DURATION ?? 12);
const warmup = Number(process.env.BENCH_WARMUP ?? 3);
const only = process.env.BENCH_GATEWAYS?.split(',');
const children: ChildProcess[] = [];
const BUILD_NAMESPACE = `benchfed${process.pid}`;

function start(file: string, args: string[], env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []), '--import', 'tsx', file, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (c: Buffer) => {
      out = (out + c.toString()).slice(-4000);
      if (out.includes('READY')) resolve(child);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-4000)));
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}:\n${out}`)));
  });
}
async function waitHealthy(url: string, child: ChildProcess): Promise<void> {
  const ping = () =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' }).then((r) => r.ok, () => false);
  for (let i = 0; i < 400; i++) {
    if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}`);
    if (await ping()) return;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${url} did not answer`);
}
/** CPU seconds (user + system) the process has used so far (clock ticks of 1/100 s). */
const cpuSeconds = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const peakRssMb = (pid: number) => {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
};
async function stop(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(t);
}
async function query(url: string): Promise<string> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: TEST_QUERY }) });
  return JSON.stringify(await r.json());
}

try {
  if (process.env.BENCH_TSX !== '1') await useStackBuild(BUILD_NAMESPACE);
  const ports = await freePorts(NAMES.length);
  await Promise.all(NAMES.map((name, i) => start(`${ROOT}bench/federation/subgraphs.ts`, [`${name}=${ports[i]}`], { NODE_ENV: 'production' })));
  const composed = composeServices(
    NAMES.map((name, i) => ({ name, typeDefs: SUBGRAPHS[name].typeDefs, url: `http://127.0.0.1:${ports[i]}/graphql` })),
  );
  if (composed.errors) throw new Error(`composition failed: ${composed.errors.map((e) => e.message).join('; ')}`);
  mkdirSync(`${ROOT}.data`, { recursive: true });
  const supergraphPath = `${ROOT}.data/bench-federation-supergraph.graphql`;
  writeFileSync(supergraphPath, composed.supergraphSdl);

  const secret = () => randomBytes(24).toString('hex');
  const gateways = [
    {
      key: 'b', id: 'apollo_stock', label: 'stock @apollo/gateway (defaults)', file: 'bench/federation/apollo-stock.ts',
      path: '/',
    },
    {
      key: 'a', id: 'project', label: 'this project’s gateway', file: 'gateway/main.ts', path: '/graphql',
      env: (port: number) => ({
        GATEWAY_PORT: String(port), NODE_ENV: 'production', LOG_LEVEL: 'error', NAMESPACE: 'benchfed',
        JWT_ACCESS_SECRET: secret(), INTERNAL_SECRET: secret(), PAYMENT_SANDBOX_SECRET: secret(), ADMIN_PASSWORD: secret(),
        // The demo schema's lists take no first/last, so each counts as a page of 20 and TestQuery
        // costs 341,025: above the default 5000. The cost check still runs (and is measured).
        QUERY_MAX_COST: '1000000',
        // All the load comes from one address: the per-address limit still runs (and is measured).
        RATE_LIMIT_IP_PER_MINUTE: '1000000000',
      }),
    },
    { key: 'c', id: 'hive', label: 'Hive Gateway (@graphql-hive/gateway)', file: 'bench/federation/hive.ts', path: '/graphql' },
    { key: 'd', id: 'hive_rust', label: 'Hive Gateway with the Rust query planner (@graphql-hive/router-runtime)', file: 'bench/federation/hive-router-runtime.ts', path: '/graphql' },
  ].filter((g) => !only || only.includes(g.id));

  // All gateways start first; the load then visits them in turn, ROUNDS times, so that whatever
  // else the machine is doing falls on all of them alike. One run: every figure comes from it.
  const running: Array<(typeof gateways)[number] & { child: ChildProcess; url: string }> = [];
  let reference: string | undefined;
  for (const g of gateways) {
    const port = await freePort();
    const env = { SUPERGRAPH_PATH: supergraphPath, PORT: String(port), NODE_ENV: 'production', ...(g.env?.(port) ?? {}) };
    let child: ChildProcess;
    try {
      const build = process.env.STACK_BUILD;
      const entry = build ? ['--enable-source-maps', `${build}/${g.file.replace(/\.ts$/, '.js')}`] : ['--import', 'tsx', g.file];
      child = g.file.startsWith('gateway/')
        ? spawn(process.execPath, [...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []), ...entry], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] })
        : await start(`${ROOT}${g.file}`, [], env);
      if (g.file.startsWith('gateway/')) children.push(child);
      await waitHealthy(`http://127.0.0.1:${port}${g.path}`, child);
    } catch (err) {
      console.log(`(${g.key}) ${g.label}: skipped, it did not start: ${(err as Error).message.split('\n').slice(0, 3).join(' ')}`);
      continue;
    }
    const url = `http://127.0.0.1:${port}${g.path}`;
    const answer = await query(url);
    if (answer.includes('"errors"')) console.log(`(${g.key}) answered with errors: ${answer.slice(0, 300)}`);
    if (reference === undefined) reference = answer;
    else if (answer !== reference) console.log(`(${g.key}) WARNING: answer differs from the first gateway's`);
    running.push({ ...g, child, url });
  }
  for (const g of running) await loadGraphql(g.url, { query: TEST_QUERY }, { connections: 50, duration: warmup });

  const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
  const slice = Math.max(1, Math.round(duration / rounds));
  const acc: Record<string, { requests: number; seconds: number; cpu: number; p99s: number[]; errors: number; non2xx: number }> = {};
  console.log(`load average before: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  for (let round = 0; round < rounds; round++) {
    for (const g of running) {
      const cpu0 = cpuSeconds(g.child.pid!);
      const r = await loadGraphql(g.url, { query: TEST_QUERY }, { connections: 50, duration: slice });
      const a = (acc[g.key] ??= { requests: 0, seconds: 0, cpu: 0, p99s: [], errors: 0, non2xx: 0 });
      a.cpu += cpuSeconds(g.child.pid!) - cpu0;
      a.requests += r.total ?? r.requestsPerSec * slice;
      a.seconds += slice;
      a.p99s.push(r.p99);
      a.errors += r.errors;
      a.non2xx += r.non2xx;
    }
  }
  console.log(`load average after: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const results: Record<string, LoadResult & { rss: number; cpuMs: number }> = {};
  for (const g of running) {
    const a = acc[g.key]!;
    const p99s = [...a.p99s].sort((x, y) => x - y);
    results[g.key] = {
      requestsPerSec: a.requests / a.seconds,
      p50: NaN,
      p99: p99s[Math.floor(p99s.length / 2)]!,
      errors: a.errors,
      non2xx: a.non2xx,
      rss: peakRssMb(g.child.pid!),
      cpuMs: (a.cpu * 1000) / Math.max(1, a.requests),
    };
    const r = results[g.key]!;
    console.log(`(${g.key}) ${g.label}: ${r.requestsPerSec.toFixed(0)} req/s, p99 ${r.p99} ms, peak RSS ${r.rss.toFixed(0)} MB, ${r.cpuMs.toFixed(1)} ms CPU/request, ${r.non2xx} non-2xx, ${r.errors} errors`);
  }

  const b = results.b;
  for (const g of gateways) {
    const r = results[g.key];
    if (!r) continue;
    const what = `${g.label}, TestQuery, 50 connections, ${rounds} × ${slice} s`;
    figure(`fed.${g.id}.rps`, r.requestsPerSec, 'req/s', `(${g.key}) ${what}`);
    figure(`fed.${g.id}.p99`, r.p99, 'ms', `(${g.key}) ${what}: 99th percentile latency (median of the rounds)`);
    figure(`fed.${g.id}.peak_rss`, r.rss, 'MB', `(${g.key}) ${g.label}: peak resident memory of the gateway process`);
    figure(`fed.${g.id}.cpu_per_req`, r.cpuMs, 'ms', `(${g.key}) CPU time of the gateway process per TestQuery served (inflated by a busy machine)`);
    const a = results.a;
    if (a && g.key !== 'a') figure(`fed.project_vs_${g.id}.rps_ratio`, a.requestsPerSec / r.requestsPerSec, 'x', `this project's req/s divided by (${g.key}) ${g.label}'s, same run`);
    if (b && g.key !== 'b') {
      figure(`fed.${g.id}_vs_stock.rps_ratio`, r.requestsPerSec / b.requestsPerSec, 'x', `(${g.key}) req/s divided by (b) stock @apollo/gateway req/s, same run`);
      figure(`fed.${g.id}_vs_stock.p99_ratio`, r.p99 / b.p99, 'x', `(${g.key}) p99 divided by (b) p99 (lower is better)`);
      figure(`fed.${g.id}_vs_stock.cpu_ratio`, r.cpuMs / b.cpuMs, 'x', `(${g.key}) CPU per request divided by (b)'s (lower is better)`);
      figure(`fed.${g.id}_vs_stock.rss_ratio`, r.rss / b.rss, 'x', `(${g.key}) peak RSS divided by (b) peak RSS`);
    }
  }
} finally {
  for (const c of children.reverse()) await stop(c);
  removeStackBuild(BUILD_NAMESPACE);
}
