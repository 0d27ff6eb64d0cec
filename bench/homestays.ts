import { performance } from 'node:perf_hooks';
import mysql from 'mysql2/promise';
import { CONTEXT_HEADER, signContext } from '../lib/internal-auth.js';
import { cpuPerOp, figure, loadGraphql, withBenchStack } from './support.js';

/**
 * `homestays(first: 20)` with business and landlord through the gateway (homestay and user
 * subgraphs), and the reservation rate of the homestay service when every caller wants the same
 * nights of the same homestay.
 */
const secret = process.env.INTERNAL_SECRET ?? 'looklook-dev-internal-secret-change-me';
const duration = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = 50;
const PAGE = {
  query: `{ homestays(first: 20) { edges { cursor node { id title price cover rating business { id title } landlord { id nickname } } } pageInfo { hasNextPage endCursor } } }`,
};

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0;
}

/** CONNECTIONS callers reserving [checkIn, checkOut) of one homestay, each with a fresh sn, for `seconds` (or `total` calls). */
async function reserveLoad(url: string, homestayId: string, opts: { seconds?: number; total?: number; checkIn: string; checkOut: string; tag: string }) {
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  const deadline = performance.now() + (opts.seconds ?? 3600) * 1000;
  let issued = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < deadline && (opts.total === undefined || issued < opts.total)) {
        const sn = `${opts.tag}${issued++}`;
        const t0 = performance.now();
        const res = await fetch(`${url}/internal/reservations/reserve`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [CONTEXT_HEADER]: signContext({ service: 'bench' }, secret) },
          body: JSON.stringify({ sn, homestayId, checkIn: opts.checkIn, checkOut: opts.checkOut }),
        });
        await res.arrayBuffer();
        latencies.push(performance.now() - t0);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), statuses };
}

await withBenchStack(
  async (stack) => {
    const { seedDemoData } = await import('../scripts/seed.js');
    await seedDemoData({ log: () => undefined });
    const db = await mysql.createConnection({ uri: stack.env.MYSQL_URL ?? process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306', database: `${stack.namespace}_homestay` });
    try {
      const warm = await fetch(stack.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(PAGE) }).then((r) => r.json());
      if (warm.errors || warm.data.homestays.edges.length !== 20) throw new Error(`unexpected page: ${JSON.stringify(warm).slice(0, 500)}`);

      const { result: page, msPerOp } = await cpuPerOp(
        stack,
        'page20',
        () => loadGraphql(stack.graphqlUrl, PAGE, { duration, connections: CONNECTIONS }),
        (r) => r.total ?? r.requestsPerSec * duration,
      );
      figure('cpu.page20.ms', msPerOp, 'ms', 'CPU time of every stack process per `homestays(first: 20)` page');
      figure('homestays.page20.rps', page.requestsPerSec, 'req/s', '`homestays(first: 20)` with business and landlord through the gateway, 50 connections');
      figure('homestays.page20.p50', page.p50, 'ms', '`homestays(first: 20)` through the gateway, median latency');
      figure('homestays.page20.p99', page.p99, 'ms', '`homestays(first: 20)` through the gateway, 99th percentile latency');
      if (page.errors + page.non2xx > 0) console.error(`warning: ${page.non2xx} non-2xx, ${page.errors} errors`);

      // Contention with room to spare: every call takes the same 2 nights of one homestay and succeeds.
      await db.query('update homestay set room_count = 1000000 where id = 1');
      const home = stack.url('homestay');
      const busy = await reserveLoad(home, '1', { seconds: duration, checkIn: '2030-01-01', checkOut: '2030-01-03', tag: 'BENCH-A-' });
      figure('reserve.contended.rps', busy.rps, 'reservations/s', 'reservations of the same 2 nights of one homestay, 50 concurrent callers, all succeed');
      figure('reserve.contended.p50', busy.p50, 'ms', 'same, median latency');
      figure('reserve.contended.p99', busy.p99, 'ms', 'same, 99th percentile latency');
      if ((busy.statuses.get(200) ?? 0) !== [...busy.statuses.values()].reduce((a, b) => a + b, 0)) console.error('warning: statuses', busy.statuses);

      // Contention past capacity: 3 rooms, 2,000 callers; exactly 3 may win.
      await db.query('update homestay set room_count = 3 where id = 2');
      const full = await reserveLoad(home, '2', { total: 2000, checkIn: '2030-02-01', checkOut: '2030-02-04', tag: 'BENCH-B-' });
      figure('reserve.soldout.rps', full.rps, 'replies/s', '2,000 reservations of the same 3 nights of a 3-room homestay, 50 concurrent callers (3 succeed, the rest SOLD_OUT)');
      figure('reserve.soldout.p99', full.p99, 'ms', 'same, 99th percentile latency');
      figure('reserve.soldout.successes', full.statuses.get(200) ?? 0, 'reservations', 'successful reservations in that run (must be 3)');
    } finally {
      await db.end();
    }
  },
  { processes: ['user', 'homestay', 'gateway'] },
);
