import { Queue } from 'bullmq';
import { createHomestay, query, stay } from '../test/integration/order/support.js';
import { cpuPerOp, figure, withBenchStack } from './support.js';
import type { Stack } from '../test/support/stack.js';
import { QUEUES } from '../contracts/queues.js';
import { queueOptions } from '../lib/queues.js';
import { createRedis } from '../lib/redis.js';

/**
 * createHomestayOrder through the gateway:
 * 1. 50 concurrent users, each booking its own homestay (no contention on inventory rows);
 * 2. 50 concurrent users booking one homestay with one room, each request the next free night
 *    (every booking contends on the same homestay's inventory);
 * 3. close lateness: 1,000 unpaid orders all due at the same moment, closed by the close-order
 *    workers of one jobs process; closed_at − pay_deadline, p50 and p99.
 * Run alone: `npx tsx bench/orders.ts` (BENCH_DURATION seconds per load phase, default 10).
 * BENCH_PHASES picks phases by name or number (`close` or `3` runs only the close lateness; default all).
 */
const duration = Number(process.env.BENCH_DURATION ?? 10) * 1000;
const PHASES = ['distinct', 'contended', 'close'] as const;
const chosen = (process.env.BENCH_PHASES ?? '').split(',').map((p) => p.trim()).filter(Boolean);
const runs = (phase: (typeof PHASES)[number]) => !chosen.length || chosen.includes(phase) || chosen.includes(String(PHASES.indexOf(phase) + 1));
const CONCURRENCY = 50;
const CREATE = `mutation($input: CreateHomestayOrderInput!) { createHomestayOrder(input: $input) { sn total } }`;

async function post(stack: Stack, query: string, variables: unknown, token?: string) {
  const res = await fetch(stack.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: any; errors?: { extensions?: { code?: string } }[] };
}

async function users(stack: Stack, n: number): Promise<string[]> {
  const base = 13_600_000_000 + (Date.now() % 1_000_000) * 100;
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const r = await post(stack, 'mutation($i: RegisterInput!) { register(input: $i) { accessToken } }', {
        i: { mobile: String(base + i), password: 'bench-password-1' },
      });
      return r.data.register.accessToken as string;
    }),
  );
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;

/** `CONCURRENCY` loops, each as one user, for `duration` ms; returns orders/s and latency percentiles. */
async function load(stack: Stack, tokens: string[], input: (worker: number) => Record<string, unknown>) {
  const latencies: number[] = [];
  const codes = new Map<string, number>();
  const end = Date.now() + duration;
  const started = performance.now();
  await Promise.all(
    tokens.map(async (token, w) => {
      while (Date.now() < end) {
        const t0 = performance.now();
        const r = await post(stack, CREATE, { input: input(w) }, token);
        latencies.push(performance.now() - t0);
        const code = r.data?.createHomestayOrder ? 'OK' : (r.errors?.[0]?.extensions?.code ?? 'ERROR');
        codes.set(code, (codes.get(code) ?? 0) + 1);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { booked: codes.get('OK') ?? 0, ordersPerSec: (codes.get('OK') ?? 0) / seconds, p50: pct(latencies, 50), p99: pct(latencies, 99), codes: Object.fromEntries(codes) };
}

await withBenchStack(
  async (stack) => {
    const ns = stack.namespace;
    const tokens = await users(stack, CONCURRENCY);

    // 1. distinct homestays: plenty of rooms, nights spread over the coming year.
    if (runs('distinct')) {
      const own = await Promise.all(tokens.map(() => createHomestay(ns, { roomCount: 100_000 })));
      let k = 0;
      const { result: distinct, msPerOp } = await cpuPerOp(
        stack,
        'booking',
        () => load(stack, tokens, (w) => ({ homestayId: own[w], ...stay(1 + (k++ % 360), 1), guests: 1 })),
        (r) => r.booked,
      );
      figure('cpu.booking.ms', msPerOp, 'ms', 'CPU time of every stack process (gateway, subgraphs, jobs) per booking, distinct homestays');
      figure('orders.create.distinct.rps', distinct.ordersPerSec, 'orders/s', `createHomestayOrder, ${CONCURRENCY} users on distinct homestays`);
      figure('orders.create.distinct.p50', distinct.p50, 'ms', 'createHomestayOrder on distinct homestays, median latency');
      figure('orders.create.distinct.p99', distinct.p99, 'ms', 'createHomestayOrder on distinct homestays, 99th percentile latency');
      console.error(`distinct: ${JSON.stringify(distinct.codes)}`);
    }

    // 2. one homestay with one room: each request books the next night, all contend on one homestay.
    if (runs('contended')) {
      const single = await createHomestay(ns, { roomCount: 1 });
      let night = 0;
      const contended = await load(stack, tokens, () => ({ homestayId: single, ...stay(1 + night++, 1), guests: 1 }));
      figure('orders.create.contended.rps', contended.ordersPerSec, 'orders/s', `createHomestayOrder, ${CONCURRENCY} users on one homestay with one room`);
      figure('orders.create.contended.p50', contended.p50, 'ms', 'createHomestayOrder on one one-room homestay, median latency');
      figure('orders.create.contended.p99', contended.p99, 'ms', 'createHomestayOrder on one one-room homestay, 99th percentile latency');
      const [sold] = await query(ns, 'homestay', "select count(*) as n, count(distinct night) as nights from homestay_reservation where homestay_id = ? and state = 0", [single]);
      if (Number(sold!.n) !== Number(sold!.nights)) throw new Error(`overbooked: ${sold!.n} reservations on ${sold!.nights} nights`);
      console.error(`contended: ${JSON.stringify(contended.codes)}`);
    }
    if (!runs('close')) return;

    // 3. close lateness: 1,000 unpaid orders (made with the default 30-minute timeout), then all
    //    moved to one deadline: the row's pay_deadline and the delay of its own close-order job.
    // BullMQ does not close a connection it was handed: keep it to close it here.
    const connection = createRedis();
    const queue = new Queue(QUEUES.closeOrder, queueOptions(connection));
    const homes = await Promise.all(Array.from({ length: 20 }, () => createHomestay(ns, { roomCount: 100_000 })));
    const sns: string[] = [];
    let n = 0;
    await Promise.all(
      tokens.map(async (token, w) => {
        while (n < 1000) {
          n++;
          const r = await post(stack, CREATE, { input: { homestayId: homes[w % homes.length], ...stay(1 + (n % 300), 1), guests: 1 } }, token);
          if (r.data?.createHomestayOrder) sns.push(r.data.createHomestayOrder.sn);
        }
      }),
    );
    const due = new Date(Date.now() + 5_000);
    due.setMilliseconds(0);
    await query(ns, 'order', `update homestay_order set pay_deadline = ? where sn in (${sns.map(() => '?').join(',')})`, [due, ...sns]);
    await Promise.all(sns.map(async (sn) => (await queue.getJob(sn))?.changeDelay(due.getTime() - Date.now())));
    const deadline = Date.now() + 120_000;
    let rows: { late: number | null }[] = [];
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      rows = await query(ns, 'order', `select timestampdiff(microsecond, pay_deadline, closed_at) / 1000 as late from homestay_order where sn in (${sns.map(() => '?').join(',')})`, sns);
      if (rows.every((r) => r.late !== null)) break;
    }
    await queue.close();
    connection.disconnect();
    const late = rows.filter((r) => r.late !== null).map((r) => Number(r.late)).sort((a, b) => a - b);
    figure('orders.close.lateness.p50', pct(late, 50), 'ms', `closed_at − pay_deadline, ${sns.length} orders due at the same moment`);
    figure('orders.close.lateness.p99', pct(late, 99), 'ms', `closed_at − pay_deadline, ${sns.length} orders due at the same moment`);
    figure('orders.close.lateness.max', late.at(-1) ?? NaN, 'ms', 'closed_at − pay_deadline, the last of them');
    console.error(`closed ${rows.filter((r) => r.late !== null).length}/${sns.length}`);
  },
  // Every user keeps booking without paying: lift the unpaid cap (its per-user lock is still taken).
  // payment too: closing an order asks the payment service to close its payments first.
  { processes: ['user', 'homestay', 'order', 'payment', 'jobs', 'gateway'], env: { ORDER_MAX_UNPAID_PER_USER: '1000000' } },
);
