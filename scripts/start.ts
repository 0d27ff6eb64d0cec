import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { config } from '../lib/config.js';
import { ensureInfra, InfraError } from './infra/index.js';
import { migrateAll } from './migrate.js';
import { seedDemoData } from './seed.js';

/**
 * `npm start`: infrastructure up, migrations, demo data into empty databases, then every process
 * of the product. Ctrl-C stops every process this started (the Kafka broker it may have started
 * keeps running for the next start: `npm run infra:stop` stops it).
 */
const PROCESSES: [string, string][] = [
  ['user', 'subgraphs/user/main.ts'],
  ['homestay', 'subgraphs/homestay/main.ts'],
  ['order', 'subgraphs/order/main.ts'],
  ['payment', 'subgraphs/payment/main.ts'],
  ['jobs', 'jobs/main.ts'],
  ['gateway', 'gateway/main.ts'],
];
const ROOT = new URL('../', import.meta.url).pathname;
const present = PROCESSES.filter(([, entry]) => existsSync(ROOT + entry));

try {
  await ensureInfra();
} catch (err) {
  if (err instanceof InfraError) {
    console.error(`[infra] ${err.message}`);
    process.exit(1);
  }
  throw err;
}
await migrateAll();
await seedDemoData();

const children: ChildProcess[] = [];
let stopping = false;

function run(name: string, entry: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  const prefix = `[${name}]`.padEnd(11);
  for (const stream of [child.stdout!, child.stderr!]) {
    let buffered = '';
    stream.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) process.stdout.write(`${prefix} ${line}\n`);
    });
  }
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`${prefix} exited (${signal ?? code}); stopping everything`);
    void stopAll(1);
  });
  children.push(child);
  return child;
}

async function waitHealthy(port: number): Promise<void> {
  for (let i = 0; i < 240; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`nothing answered on port ${port} within 60s`);
}

async function stopAll(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGTERM');
          setTimeout(() => c.kill('SIGKILL'), 10_000).unref();
        }),
    ),
  );
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

const cfg = config();
const ports: Record<string, number> = cfg.ports;
// The subgraphs first: the jobs process calls them from its first tick, the gateway loads their schemas.
const dependsOnSubgraphs = (name: string) => name === 'jobs' || name === 'gateway';
const subgraphs = present.filter(([n]) => !dependsOnSubgraphs(n));
const clients = present.filter(([n]) => dependsOnSubgraphs(n));
for (const [name, entry] of subgraphs) run(name, entry);
await Promise.all(subgraphs.map(([n]) => waitHealthy(ports[n])));
for (const [name, entry] of clients) run(name, entry);
await Promise.all(clients.map(([n]) => waitHealthy(ports[n])));

const base = `http://127.0.0.1:${cfg.ports.gateway}`;
console.log(`
looklook-graph is up
  GraphQL      ${base}/graphql   (subscriptions: ws://127.0.0.1:${cfg.ports.gateway}/graphql)
  Playground   ${base}/playground
  Metrics      ${base}/metrics
  Health       ${base}/healthz  ${base}/readyz
Ctrl-C stops every process.`);
