import { randomBytes, randomInt } from 'node:crypto';
import { CANCELLATION_POLICIES } from '../contracts/homestay.js';
import { addDays, todayIn } from '../lib/dates.js';
import { createHomestay } from '../test/integration/order/support.js';
import { Cluster, type Side } from './cluster.js';
import { gql } from './client.js';
import { Databases } from './db.js';
import { FaultInjector, faultSchedule } from './faults.js';
import { checkAll, snapshot, unsettled } from './invariants.js';
import { Ledger, summary, type Guest } from './ledger.js';
import { createRng } from './rng.js';
import { ChannelWitness, Subscriber, waitUntilConnected } from './subscribers.js';
import { Traffic, type Stay } from './traffic.js';

/**
 * `npm run soak`: the fault soak of issue 11. Starts the product's real processes (two gateways,
 * two payment and two jobs processes) in a namespace of its own with a private Kafka broker,
 * drives mixed traffic while injecting faults on a schedule drawn from SOAK_SEED, lets the system
 * settle, and checks the invariants in the databases and in what subscribers received.
 * Exit code: 0 no violation, 1 violations, 2 the soak itself could not run.
 */
const int = (name: string, fallback: number) => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
};
const SECONDS = int('SOAK_SECONDS', 90);
const SEED = int('SOAK_SEED', randomInt(0, 2 ** 31));
const WORKERS = int('SOAK_WORKERS', 8);
const GUESTS = int('SOAK_GUESTS', 40);
const SUBSCRIBERS = Math.min(GUESTS, int('SOAK_SUBSCRIBERS', 12));
const HOMESTAYS = int('SOAK_HOMESTAYS', 12);
const SETTLE_SECONDS = int('SOAK_SETTLE_SECONDS', 180);
if (GUESTS < 2 || HOMESTAYS < 1 || WORKERS < 1) throw new Error('the soak needs SOAK_GUESTS ≥ 2, SOAK_HOMESTAYS ≥ 1 and SOAK_WORKERS ≥ 1');
const KEEP = process.env.SOAK_KEEP === '1';
/** SOAK_FAULTS=0: the same traffic with no fault, to tell what faults cause from what traffic alone does. */
const FAULTS = process.env.SOAK_FAULTS !== '0';
const SANDBOX_SECRET = process.env.PAYMENT_SANDBOX_SECRET ?? 'looklook-dev-sandbox-secret';

/** The product's settings for the soak: short deadlines and quick sweeps, so a short run sees many of each. */
const PRODUCT_ENV: Record<string, string> = {
  LOG_LEVEL: process.env.SOAK_LOG_LEVEL ?? 'warn',
  ORDER_PAY_TIMEOUT: '8s',
  ORDER_SWEEP_INTERVAL: '4s',
  ORDER_ORPHAN_AGE: '15s',
  ORDER_MAX_UNPAID_PER_USER: '1000',
  SETTLE_RECORD_CRON: '*/10 * * * * *',
  SUBSCRIPTION_KEEP_ALIVE: '5s',
  PAYMENT_SANDBOX_SECRET: SANDBOX_SECRET,
};

const namespace = `ts${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
process.env.NAMESPACE = namespace;
process.env.NODE_ENV = 'test';

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)}s`;
const log = (m: string) => console.log(m);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const rng = createRng(SEED);
const fixtureRng = rng.fork();
const faultRng = rng.fork();
const trafficRng = rng.fork();
const proxyRng = rng.fork();

log(`soak: seed ${SEED}, ${SECONDS}s of traffic, namespace ${namespace}`);
log(`soak: replay with SOAK_SEED=${SEED} SOAK_SECONDS=${SECONDS} npm run soak`);

const db = new Databases(namespace);
const cluster = await Cluster.prepare({ namespace, env: PRODUCT_ENV, log }, proxyRng);
const subscribers: Subscriber[] = [];
const witness = new ChannelWitness();
let tornDown = false;

async function teardown(): Promise<void> {
  if (tornDown) return;
  tornDown = true;
  await Promise.all(subscribers.map((s) => s.stop().catch(() => undefined)));
  witness.stop();
  await cluster.close();
  await db.close();
  if (KEEP) {
    log(`soak: SOAK_KEEP=1, kept namespace ${namespace} and the broker on ${cluster.brokers.join(',')} (data ${cluster.broker.dataDir})`);
    return;
  }
  // The namespace's topics live on the private broker: drop them before the broker goes.
  if (!cluster.kafkaUp && cluster.brokers.length) await cluster.startBroker().catch(() => undefined);
  const { cleanupNamespace } = await import('../test/support/cleanup.js');
  await cleanupNamespace(namespace).catch((err) => log(`soak: cleanup failed: ${(err as Error).message}`));
  await cluster.dropBroker();
}

// Whatever goes wrong in the soak itself, what it started must not outlive it.
process.on('unhandledRejection', (err) => log(`soak: unhandled rejection (a bug of the soak): ${(err as Error)?.stack ?? err}`));
process.once('uncaughtException', (err) => {
  log(`soak: crashed: ${err.stack ?? err}`);
  void teardown().finally(() => process.exit(2));
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`soak: ${signal}, stopping`);
    void teardown().finally(() => process.exit(130));
  });
}

async function register(i: number): Promise<Guest> {
  const mobile = `139${String(i).padStart(8, '0')}`;
  for (let attempt = 1; ; attempt++) {
    const r = await gql(
      cluster.graphqlUrl(i % 2 ? 'B' : 'A'),
      `mutation($input: RegisterInput!) { register(input: $input) { accessToken user { id } } }`,
      { input: { mobile, password: 'soak-password-1', nickname: `Guest ${i}` } },
    );
    if (r.data?.register) return { userId: r.data.register.user.id, token: r.data.register.accessToken };
    if (attempt >= 5) throw new Error(`register failed: ${JSON.stringify(r.errors)}`);
    await sleep(500);
  }
}

let exitCode = 2;
try {
  // The broker first: its address goes into every process's environment (and this process's config).
  process.env.KAFKA_BROKERS = (await cluster.startBroker()).join(',');
  const { ensureInfra } = await import('../scripts/infra/index.js');
  const { migrateAll } = await import('../scripts/migrate.js');
  await ensureInfra((m) => log(`[infra] ${m}`));
  await migrateAll(() => undefined);
  await cluster.start();
  log(`soak: ${cluster.targets.length} processes up (gateways ${cluster.gatewayUrl('A')}, ${cluster.gatewayUrl('B')}), Kafka ${cluster.brokers.join(',')}, homestay proxy :${cluster.proxy.port} [${elapsed()}]`);

  // Homestays with one to three rooms, so bookings race for the last ones.
  const homestays: { id: string; rooms: number }[] = [];
  for (let i = 0; i < HOMESTAYS; i++) {
    const rooms = fixtureRng.int(1, 3);
    const id = await createHomestay(namespace, { roomCount: rooms, title: `Soak ${i + 1}`, price: 10_000 + 1_000 * fixtureRng.int(0, 20) });
    // Every cancellation policy, in turn: a guest's refund gives back all, half or nothing.
    await db.query('homestay', 'update homestay set cancellation_policy = ? where id = ?', [CANCELLATION_POLICIES[i % CANCELLATION_POLICIES.length], id]);
    homestays.push({ id, rooms });
  }
  // Stays over a span that grows with the run, so a long run does not end up all sold out.
  const spanDays = Math.min(300, Math.max(30, Math.round(SECONDS / 2)));
  const first = addDays(todayIn(), 1);
  const stays: Stay[] = [];
  for (let d = 0; d < spanDays; d++) for (let n = 1; n <= 3; n++) stays.push({ checkIn: addDays(first, d), checkOut: addDays(first, d + n) });

  const guests: Guest[] = [];
  for (let i = 0; i < GUESTS; i += 4) guests.push(...(await Promise.all([i, i + 1, i + 2, i + 3].filter((n) => n < GUESTS).map(register))));
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const s = new Subscriber(guests[i]!, (i % 2 ? 'B' : 'A') as Side);
    s.start(cluster);
    subscribers.push(s);
  }
  await waitUntilConnected(subscribers);
  await witness.start();
  log(`soak: ${homestays.length} homestays (${homestays.map((h) => h.rooms).join('/')} rooms), ${guests.length} guests, ${subscribers.length} subscribers [${elapsed()}]`);

  const ledger = new Ledger();
  const schedule = FAULTS ? faultSchedule(faultRng, SECONDS * 1000) : [];
  log(`soak: ${schedule.length} faults scheduled: ${summary(schedule.reduce((m, f) => m.set(f.kind, (m.get(f.kind) ?? 0) + 1), new Map<string, number>()))}`);
  const startedAt = Date.now();
  const traffic = new Traffic({
    cluster,
    db,
    ledger,
    guests,
    homestays,
    stays,
    sandboxSecret: SANDBOX_SECRET,
    travelStepDays: spanDays + 10,
    watch: (guest, sn) => subscribers.find((s) => s.guest === guest)?.watch(sn),
    endAt: startedAt + SECONDS * 1000,
    log,
  });
  const injector = new FaultInjector(cluster, ledger, log);
  const ticker = setInterval(() => {
    log(`[t+${((Date.now() - startedAt) / 1000).toFixed(0)}s] ${ledger.totalOps} operations, ${summary(ledger.faults) || 'no faults yet'}`);
  }, 15_000);
  try {
    await Promise.all([traffic.run(trafficRng, WORKERS), injector.run(schedule, startedAt)]);
  } finally {
    clearInterval(ticker);
  }
  log(`soak: traffic and faults done after ${((Date.now() - startedAt) / 1000).toFixed(0)}s; letting the system settle [${elapsed()}]`);
  await cluster.ensureAllRunning();

  // Settled: nothing left for sweeps, relays, consumers and jobs to do, twice in a row.
  const settleStart = Date.now();
  let left: string[] = ['not looked yet'];
  let quietRounds = 0;
  let lastReport = 0;
  while (Date.now() - settleStart < SETTLE_SECONDS * 1000) {
    try {
      left = await unsettled(await snapshot(db));
    } catch (err) {
      left = [`the databases did not answer (${(err as Error).message})`];
    }
    if (cluster.proxy.inFlight) left.push(`${cluster.proxy.inFlight} calls held by the proxy`);
    quietRounds = left.length ? 0 : quietRounds + 1;
    if (quietRounds >= 2) break;
    if (Date.now() - lastReport > 15_000) {
      lastReport = Date.now();
      if (left.length) log(`[settle +${((Date.now() - settleStart) / 1000).toFixed(0)}s] waiting for: ${left.join(', ')}`);
    }
    await sleep(3_000);
  }
  const settledIn = ((Date.now() - settleStart) / 1000).toFixed(0);
  log(quietRounds >= 2 ? `soak: settled in ${settledIn}s` : `soak: NOT settled after ${settledIn}s: ${left.join(', ')}`);

  const checks = checkAll(await snapshot(db), ledger, subscribers, witness);
  log('');
  for (const c of checks) {
    log(`${c.violations.length ? 'FAIL' : 'ok  '}  ${c.name.padEnd(11)} ${c.scope}${c.violations.length ? ` — ${c.violations.length} violations` : ''}`);
    for (const v of c.violations.slice(0, 8)) log(`        - ${v}`);
    if (c.violations.length > 8) log(`        … and ${c.violations.length - 8} more`);
    for (const n of (c.notes ?? []).slice(0, 4)) log(`        (${n})`);
  }
  const violations = checks.reduce((n, c) => n + c.violations.length, 0);
  log('');
  log(`operations: ${ledger.totalOps} (${summary(ledger.ops)})`);
  log(`outcomes: ${summary(ledger.outcomes)}`);
  if (ledger.oddities.size) {
    log('unexpected answers (not invariants; the clients\' view under faults):');
    for (const [what, n] of [...ledger.oddities].sort((a, b) => b[1] - a[1]).slice(0, 10)) log(`        ${String(n).padStart(5)} × ${what}`);
  }
  const faultCount = [...ledger.faults.values()].reduce((a, b) => a + b, 0);
  log(`faults: ${faultCount} (${summary(ledger.faults)})`);
  const p = cluster.proxy.counts;
  log(`homestay proxy: ${p.forwarded} forwarded, ${p.stalled} stalled past the timeout, ${p.droppedBeforeForward} dropped before, ${p.droppedAfterAnswer} dropped after the answer, ${p.upstreamDown} with homestay down`);
  if (injector.failures.length) log(`fault injection problems: ${injector.failures.join('; ')}`);
  log(`violations: ${violations}`);
  log(`process logs: .data/test-logs/${namespace}-*.log`);
  log(`seed: ${SEED} (replay: SOAK_SEED=${SEED} SOAK_SECONDS=${SECONDS} npm run soak) [${elapsed()}]`);
  exitCode = violations ? 1 : 0;
} catch (err) {
  log(`soak: could not run: ${(err as Error).stack ?? err}`);
  exitCode = 2;
} finally {
  await teardown();
}
process.exit(exitCode);
