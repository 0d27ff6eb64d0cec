import { Redis } from 'ioredis';
import { signSandboxBody } from '../subgraphs/payment/provider/sandbox.js';
import { createHomestay, query } from '../test/integration/payment/support.js';
import { cpuPerOpSince, figure, monotonicUs, phase, stackCpuByProcess, withBenchStack } from './support.js';

/**
 * Payments end to end: signed callback → payment + outbox row → relay → Kafka → consumer → order
 * WAIT_USE (seen on the order state channel). PAYMENTS payments (default 500), CONCURRENCY
 * callbacks in flight (default 20); then the same at half that rate, on a clock. Ten users book every order before any is paid, so the
 * stack runs with the unpaid-order cap (ORDER_MAX_UNPAID_PER_USER) lifted.
 */
const PAYMENTS = Number(process.env.BENCH_PAYMENTS ?? 500);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);
/** Then PACED more payments (default 200) at PACED_SHARE of the callback rate just measured. */
const PACED = Number(process.env.BENCH_PACED ?? 200);
const PACED_SHARE = 0.5;
const SECRET = process.env.PAYMENT_SANDBOX_SECRET ?? 'looklook-dev-sandbox-secret';

async function gql(url: string, query: string, variables: Record<string, unknown>, token?: string) {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  }).then((res) => res.json() as Promise<{ data?: any; errors?: unknown }>);
  if (!r.data) throw new Error(JSON.stringify(r.errors));
  return r.data;
}

async function pool<T>(items: T[], n: number, fn: (item: T, i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  }));
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

await withBenchStack(async (stack) => {
  const ns = stack.namespace;
  const url = stack.graphqlUrl;
  const homestayId = await createHomestay(ns);
  const users: string[] = [];
  for (let u = 0; u < 10; u++) {
    const d = await gql(url, 'mutation($i: RegisterInput!) { register(input: $i) { accessToken } }', { i: { mobile: `1370000${String(1000 + u)}`, password: 'bench-password-1' } });
    users.push(d.register.accessToken);
  }
  const day = 86_400_000;
  const ymd = (t: number) => new Date(t).toISOString().slice(0, 10);
  let booked = 0;
  /** n orders booked (one homestay of 1,000 rooms) and a payment started for each. */
  const prepare = async (n: number) => {
    const out: { orderSn: string; paymentSn: string; amount: number }[] = [];
    await pool(Array.from({ length: n }, () => booked++), 10, async (i) => {
      const token = users[i % users.length]!;
      const start = Date.now() + (2 + (i % 300)) * day;
      const o = await gql(url, 'mutation($i: CreateHomestayOrderInput!) { createHomestayOrder(input: $i) { sn total } }', {
        i: { homestayId, checkIn: ymd(start), checkOut: ymd(start + day), guests: 1 },
      }, token);
      const p = await gql(url, 'mutation($sn: ID!) { payOrder(orderSn: $sn) { sn } }', { sn: o.createHomestayOrder.sn }, token);
      out.push({ orderSn: o.createHomestayOrder.sn, paymentSn: p.payOrder.sn, amount: o.createHomestayOrder.total });
    });
    return out;
  };
  const payments = await prepare(PAYMENTS);
  const paced = await prepare(PACED);

  // WAIT_USE moments, from the order service's state channel.
  const paidAt = new Map<string, number>();
  const sub = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  await sub.subscribe(`${ns}:order-state-changed`);
  let allPaid: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allPaid = resolve));
  sub.on('message', (_c, m) => {
    const e = JSON.parse(m) as { sn: string; to: string };
    if (e.to === 'WAIT_USE' && !paidAt.has(e.sn)) {
      paidAt.set(e.sn, performance.now());
      if (paidAt.size === payments.length) allPaid();
      if (paidAt.size === payments.length + paced.length) allPacedPaid();
    }
  });
  let allPacedPaid: () => void = () => undefined;
  const pacedDone = new Promise<void>((resolve) => (allPacedPaid = resolve));

  const sentAt = new Map<string, number>();
  const cpuBefore = stackCpuByProcess(stack);
  const begin = performance.now();
  const beginUs = monotonicUs();
  const callback = async (p: (typeof payments)[number]) => {
    const body = JSON.stringify({ paymentSn: p.paymentSn, transactionId: `TX${p.paymentSn}`, amount: p.amount, status: 'SUCCESS' });
    sentAt.set(p.orderSn, performance.now());
    const res = await fetch(`${stack.gatewayUrl}/payments/notify/sandbox`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-sandbox-signature': signSandboxBody(body, SECRET) },
      body,
    });
    if ((await res.text()) !== 'SUCCESS') throw new Error(`callback answered ${res.status}`);
  };
  await pool(payments, CONCURRENCY, callback);
  const callbacksDone = performance.now();
  await Promise.race([done, new Promise((_, reject) => setTimeout(() => reject(new Error(`only ${paidAt.size}/${payments.length} orders reached WAIT_USE`)), 120_000))]);
  const end = performance.now();
  phase('payments.callbacks', beginUs);
  const cpu = cpuPerOpSince(stack, cpuBefore, 'payment', PAYMENTS);
  const latencyOf = (ps: typeof payments) => ps.map((p) => paidAt.get(p.orderSn)! - sentAt.get(p.orderSn)!).sort((a, b) => a - b);
  const latencies = latencyOf(payments);

  // The same callbacks at half the rate the stack just sustained, sent on a clock rather than as
  // answers come back: the pipeline's latency when callbacks do not queue for the CPU.
  const rate = (PAYMENTS / (callbacksDone - begin)) * 1000 * PACED_SHARE;
  const pacedBegin = performance.now();
  const pacedBeginUs = monotonicUs();
  const sending: Promise<void>[] = [];
  for (const [i, p] of paced.entries()) {
    const due = pacedBegin + (i * 1000) / rate;
    if (due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
    sending.push(callback(p));
  }
  await Promise.all(sending);
  await Promise.race([pacedDone, new Promise((_, reject) => setTimeout(() => reject(new Error(`only ${paidAt.size - payments.length}/${paced.length} paced orders reached WAIT_USE`)), 120_000))]);
  phase('payments.paced', pacedBeginUs);
  const pacedLatencies = latencyOf(paced);
  await sub.quit();
  // Each event's moment of leaving the payment service (its outbox row marked sent once Kafka
  // acknowledged it) splits its latency in two: callback → Kafka, Kafka → WAIT_USE.
  const sentRows = await query<{ sn: string; us: string }>(ns, 'payment', "select message_key sn, timestampdiff(microsecond, '1970-01-01', sent_at) us from payment_outbox where sent_at is not null");
  const sentAtMs = new Map(sentRows.map((r) => [r.sn, Number(r.us) / 1000 - performance.timeOrigin]));
  const stages = (ps: typeof payments) => {
    const known = ps.filter((p) => sentAtMs.has(p.orderSn));
    const sorted = (f: (p: (typeof ps)[number]) => number) => known.map(f).sort((a, b) => a - b);
    return {
      toKafka: sorted((p) => sentAtMs.get(p.orderSn)! - sentAt.get(p.orderSn)!),
      fromKafka: sorted((p) => paidAt.get(p.orderSn)! - sentAtMs.get(p.orderSn)!),
    };
  };
  const loaded = stages(payments);
  const pacedStages = stages(paced);
  const [span] = await query(ns, 'payment', 'select timestampdiff(microsecond, min(create_time), max(sent_at)) / 1e6 as s, count(*) n from payment_outbox');
  figure('cpu.payment.ms', cpu, 'ms', 'CPU time of every stack process (gateway, payment, relay, consumer, jobs) per payment, callback to WAIT_USE');
  figure('payments.callback_to_wait_use.p50', pct(latencies, 50), 'ms', `signed callback sent → order WAIT_USE, ${PAYMENTS} payments, ${CONCURRENCY} callbacks in flight`);
  figure('payments.callback_to_wait_use.p99', pct(latencies, 99), 'ms', 'same, 99th percentile');
  figure('payments.callback_to_kafka.p50', pct(loaded.toKafka, 50), 'ms', 'of that: callback sent → its event acknowledged by Kafka (payment service and outbox relay)');
  figure('payments.callback_to_kafka.p99', pct(loaded.toKafka, 99), 'ms', 'same, 99th percentile');
  figure('payments.kafka_to_wait_use.p50', pct(loaded.fromKafka, 50), 'ms', 'of that: event acknowledged by Kafka → order WAIT_USE (Kafka delivery and the consumer)');
  figure('payments.kafka_to_wait_use.p99', pct(loaded.fromKafka, 99), 'ms', 'same, 99th percentile');
  figure('payments.callbacks.rps', (PAYMENTS / (callbacksDone - begin)) * 1000, 'req/s', 'callbacks answered SUCCESS through the gateway');
  figure('payments.pipeline.events_per_s', (PAYMENTS / (end - begin)) * 1000, 'events/s', 'payment events through outbox relay, Kafka and consumer to WAIT_USE (first callback → last WAIT_USE)');
  figure('payments.paced.rate', rate, 'req/s', `callbacks sent on a clock at ${PACED_SHARE * 100} % of payments.callbacks.rps, ${PACED} payments`);
  figure('payments.paced.callback_to_wait_use.p50', pct(pacedLatencies, 50), 'ms', 'signed callback sent → order WAIT_USE at that rate');
  figure('payments.paced.callback_to_wait_use.p99', pct(pacedLatencies, 99), 'ms', 'same, 99th percentile');
  figure('payments.paced.callback_to_kafka.p99', pct(pacedStages.toKafka, 99), 'ms', 'at that rate: callback sent → event acknowledged by Kafka, 99th percentile');
  figure('payments.paced.kafka_to_wait_use.p99', pct(pacedStages.fromKafka, 99), 'ms', 'at that rate: event acknowledged by Kafka → order WAIT_USE, 99th percentile');
  figure('payments.relay.events_per_s', Number(span!.n) / Math.max(Number(span!.s), 0.001), 'events/s', 'outbox rows written → acknowledged by Kafka (first row written → last marked sent)');
}, { env: { ORDER_PAY_TIMEOUT: '30m', ORDER_MAX_UNPAID_PER_USER: '1000000' } });
