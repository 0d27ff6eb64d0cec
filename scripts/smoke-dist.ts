import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupNamespace } from '../test/support/cleanup.js';
import { freePorts } from '../test/support/ports.js';
import { PROCESS_ENTRIES, PROJECT_ROOT, type ProcessName } from './processes.js';

/**
 * `npm run smoke:dist`: what the container image does, without Docker. A directory holding only
 * dist/, package.json, the lock and a production install as the image makes it (`npm ci --omit=dev --omit=optional`); in it, with
 * NODE_ENV=production, the image's commands: `run.js migrate`, `run.js seed`, every process by
 * `run.js <name>`, the HEALTHCHECK command until each is healthy, then queries through the
 * gateway, and SIGTERM to each process, which must exit 0. Against the local MySQL, Redis and
 * Kafka, in a namespace of its own that is dropped at the end.
 *
 * SMOKE_NODE=<path>        node binary to run the build with (e.g. Node 24 from `npm exec --package=node@24`)
 * SMOKE_PROD_MODULES=<dir> an existing production node_modules of the same lock, linked instead of installed
 * SMOKE_KEEP=1             keep the directory and the namespace
 */
const node = process.env.SMOKE_NODE ?? process.execPath;
const ENTRY = ['--enable-source-maps', 'dist/scripts/run.js'];
const children = new Map<ProcessName, ChildProcess>();
const logs = new Map<ProcessName, string>();
const step = (m: string) => console.log(`[smoke] ${m}`);

function fail(message: string): never {
  throw new Error(message);
}

function run(dir: string, env: NodeJS.ProcessEnv, args: string[]): void {
  const r = spawnSync(node, args, { cwd: dir, env, stdio: 'inherit' });
  if (r.status !== 0) fail(`${args.join(' ')} exited with ${r.status ?? r.signal}`);
}

async function healthy(dir: string, env: NodeJS.ProcessEnv, name: ProcessName): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (children.get(name)?.exitCode != null) fail(`${name} exited with ${children.get(name)!.exitCode} while starting`);
    // The image's HEALTHCHECK command; the name is given since PID 1 here is not the process.
    const check = spawnSync(node, ['dist/scripts/healthcheck.js', name], { cwd: dir, env, stdio: 'ignore' });
    if (check.status === 0) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  fail(`${name} not healthy within 120s`);
}

async function graphql(url: string, query: string, token?: string): Promise<any> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query }),
  });
  const body = (await res.json()) as { data?: any; errors?: unknown[] };
  if (!res.ok || body.errors) fail(`${query}: HTTP ${res.status} ${JSON.stringify(body.errors ?? body)}`);
  return body.data;
}

function stop(name: ProcessName, child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not exit within 20s of SIGTERM`));
    }, 20_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${name} exited with ${code ?? signal} on SIGTERM`));
    });
    child.kill('SIGTERM');
  });
}

const dir = mkdtempSync(join(tmpdir(), 'looklook-dist-'));
const namespace = `t${Date.now().toString(36)}smoke${randomBytes(2).toString('hex')}`;
try {
  if (!existsSync(join(PROJECT_ROOT, 'dist/scripts/run.js'))) fail('dist/ is missing: run npm run build first');
  for (const f of ['dist', 'package.json', 'package-lock.json']) cpSync(join(PROJECT_ROOT, f), join(dir, f), { recursive: true });
  if (process.env.SMOKE_PROD_MODULES) {
    symlinkSync(process.env.SMOKE_PROD_MODULES, join(dir, 'node_modules'));
  } else {
    step(`npm ci --omit=dev --omit=optional in ${dir}`);
    const ci = spawnSync('npm', ['ci', '--omit=dev', '--omit=optional', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'inherit' });
    if (ci.status !== 0) fail('npm ci --omit=dev --omit=optional failed');
  }
  step(`node ${spawnSync(node, ['--version']).stdout.toString().trim()}; production install ${spawnSync('du', ['-shL', 'node_modules'], { cwd: dir }).stdout.toString().split('\t')[0]}`);

  const ports: Record<string, string> = {};
  const picked = await freePorts(Object.keys(PROCESS_ENTRIES).length);
  for (const [i, name] of Object.keys(PROCESS_ENTRIES).entries()) ports[`${name.toUpperCase()}_PORT`] = String(picked[i]);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    ...(process.env.MYSQL_URL ? { MYSQL_URL: process.env.MYSQL_URL } : {}),
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    ...(process.env.KAFKA_BROKERS ? { KAFKA_BROKERS: process.env.KAFKA_BROKERS } : {}),
    NODE_ENV: 'production',
    NAMESPACE: namespace,
    JWT_ACCESS_SECRET: randomBytes(24).toString('hex'),
    INTERNAL_SECRET: randomBytes(24).toString('hex'),
    PAYMENT_SANDBOX_SECRET: randomBytes(24).toString('hex'),
    LOG_LEVEL: process.env.SMOKE_LOG_LEVEL ?? 'warn',
    ...ports,
  };
  for (const name of ['user', 'homestay', 'order', 'payment'] as const) env[`${name.toUpperCase()}_URL`] = `http://127.0.0.1:${ports[`${name.toUpperCase()}_PORT`]}`;

  step(`run.js migrate, run.js seed (namespace ${namespace})`);
  run(dir, env, [...ENTRY, 'migrate']);
  run(dir, env, [...ENTRY, 'seed']);

  const start = (name: ProcessName) => {
    const child = spawn(node, [...ENTRY, name], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    logs.set(name, '');
    const keep = (chunk: Buffer) => logs.set(name, (logs.get(name)! + chunk.toString()).slice(-4000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    children.set(name, child);
  };
  const services = (Object.keys(PROCESS_ENTRIES) as ProcessName[]).filter((n) => n !== 'gateway' && n !== 'jobs');
  for (const name of services) start(name);
  await Promise.all(services.map((n) => healthy(dir, env, n)));
  for (const name of ['jobs', 'gateway'] as const) start(name);
  await Promise.all((['jobs', 'gateway'] as const).map((n) => healthy(dir, env, n)));
  step(`healthy: ${[...children.keys()].join(', ')} (pids ${[...children.values()].map((c) => c.pid).join(', ')})`);

  const url = `http://127.0.0.1:${ports.GATEWAY_PORT}/graphql`;
  const typename = await graphql(url, '{ __typename }');
  const homestays = await graphql(url, '{ homestays(first: 3) { edges { node { id title } } } }');
  if (!homestays.homestays.edges.length) fail('no homestays: seed did not load the demo data');
  const login = await graphql(url, 'mutation { login(input: { mobile: "13800000001", password: "looklook123" }) { accessToken } }');
  const me = await graphql(url, '{ me { id mobile } }', login.login.accessToken);
  step(`queries: __typename=${typename.__typename}, ${homestays.homestays.edges.length} homestays, me=${me.me.mobile}`);

  for (const [name, child] of [...children].reverse()) {
    await stop(name, child);
    children.delete(name);
  }
  step('every process exited 0 on SIGTERM');
  step('OK');
} catch (err) {
  for (const [name, out] of logs) if (out) console.error(`--- ${name} (last output)\n${out.slice(-1500)}`);
  console.error(`[smoke] FAILED: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  for (const child of children.values()) child.kill('SIGKILL');
  if (process.env.SMOKE_KEEP) {
    step(`kept ${dir} and namespace ${namespace}`);
  } else {
    await cleanupNamespace(namespace).catch((err) => console.error(`[smoke] cleanup: ${err.message}`));
    rmSync(dir, { recursive: true, force: true });
  }
}
