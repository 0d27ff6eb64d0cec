import { existsSync } from 'node:fs';
import { config } from '../lib/config.js';
import { ensureInfra, InfraError } from './infra/index.js';
import { migrateAll } from './migrate.js';
import { seedDemoData } from './seed.js';
import { Supervisor } from './supervisor.js';
import { COMPILED, entryFile, healthzUrl, origin, PROCESS_ENTRIES, PROJECT_ROOT, type ProcessName } from './processes.js';

/**
 * `npm start`: infrastructure up, migrations, demo data into empty databases, then every process
 * of the product, each under a Supervisor that starts it again when it exits (backoff 0.5 s
 * doubling to 30 s). Ctrl-C stops every process this started (the Kafka broker it may have
 * started keeps running for the next start: `npm run infra:stop` stops it).
 */
const present = (Object.keys(PROCESS_ENTRIES) as ProcessName[])
  .map((name) => [name, entryFile(name)] as const)
  .filter(([, entry]) => existsSync(entry));

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

const supervisors: Supervisor[] = [];
let stopping = false;

function run(name: string, entry: string): void {
  const prefix = `[${name}]`.padEnd(11);
  const supervisor = new Supervisor({
    name,
    command: process.execPath,
    // The build runs on plain node (source maps keep stack traces pointing at the TypeScript).
    args: COMPILED ? ['--enable-source-maps', entry] : ['--import', 'tsx', entry],
    cwd: PROJECT_ROOT,
    env: process.env,
    onOutput: (line) => process.stdout.write(`${prefix} ${line}\n`),
    log: (message) => process.stderr.write(`${prefix} ${message}\n`),
  });
  supervisors.push(supervisor);
  supervisor.start();
}

/** Waits for a process to answer; one that keeps crashing is restarted meanwhile (and logged). */
async function waitHealthy(name: ProcessName): Promise<void> {
  const url = healthzUrl(name, cfg);
  const port = cfg.ports[name];
  for (let i = 1; ; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    if (i % 240 === 0) console.error(`[${name}]`.padEnd(11), `nothing answers on port ${port} yet; still trying (Ctrl-C stops)`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function stopAll(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await Promise.all(supervisors.map((s) => s.stop()));
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));
// The children run in process groups of their own: the closed terminal's hangup does not reach them.
process.on('SIGHUP', () => void stopAll(0));
// If this script dies of an error, no child is left running unsupervised.
process.on('exit', () => {
  for (const s of supervisors) s.child?.kill('SIGKILL');
});

const cfg = config();
// The subgraphs first: the jobs process calls them from its first tick, the gateway loads their schemas.
const dependsOnSubgraphs = (name: string) => name === 'jobs' || name === 'gateway';
const subgraphs = present.filter(([n]) => !dependsOnSubgraphs(n));
const clients = present.filter(([n]) => dependsOnSubgraphs(n));
for (const [name, entry] of subgraphs) run(name, entry);
await Promise.all(subgraphs.map(([n]) => waitHealthy(n)));
for (const [name, entry] of clients) run(name, entry);
await Promise.all(clients.map(([n]) => waitHealthy(n)));

const base = origin(cfg.gatewayHost, cfg.ports.gateway);
const ops = cfg.adminPort ? origin(cfg.adminHost, cfg.adminPort) : base;
console.log(`
looklook-graph is up
  GraphQL      ${base}/graphql   (subscriptions: ${base.replace(/^http/, 'ws')}/graphql)
  Playground   ${base}/playground
  Metrics      ${ops}/metrics
  Queues       ${ops}/admin/queues
  Health       ${base}/healthz  ${base}/readyz
A process that exits is started again; Ctrl-C stops every process.`);
