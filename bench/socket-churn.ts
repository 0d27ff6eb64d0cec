import { Worker } from 'node:worker_threads';
import { figure, withBenchStack } from './support.js';

/**
 * A hostile socket client: PAIRS subscribe+complete pairs of `orderStateChanged(sn)` for an order
 * that does not exist, sent as fast as one socket takes them (from a worker thread, so the probes
 * below are not slowed by the sender), while `{ __typename }` is asked over HTTP every 10 ms.
 * Prints the probes' p50/p99 during the flood, the gateway's RSS growth, how long the gateway took
 * to take the whole flood, and the listeners left one second after the last complete (must be 0).
 */
const PAIRS = Number(process.env.BENCH_CHURN_PAIRS ?? 20_000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function rss(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(text.split('\n').find((l) => l.startsWith('process_resident_memory_bytes'))?.split(' ').pop() ?? NaN);
}

// The sender: connects, floods, then sends one last query and reports when it is answered.
const SENDER = `
const { parentPort, workerData } = require('node:worker_threads');
const WebSocket = require(workerData.ws);
const socket = new WebSocket(workerData.url, 'graphql-transport-ws');
const query = 'subscription($sn: ID) { orderStateChanged(sn: $sn) { to order { sn } } }';
socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: 'Bearer ' + workerData.token } })));
socket.on('message', async (data) => {
  const m = JSON.parse(String(data));
  if (m.type === 'connection_ack') {
    parentPort.postMessage({ started: Date.now() });
    for (let i = 0; i < workerData.pairs; i++) {
      socket.send(JSON.stringify({ id: 's' + i, type: 'subscribe', payload: { query, variables: { sn: 'HSO2026120100000000N' } } }));
      socket.send(JSON.stringify({ id: 's' + i, type: 'complete' }));
      if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
    }
    socket.send(JSON.stringify({ id: 'last', type: 'subscribe', payload: { query: '{ __typename }' } }));
  } else if (m.id === 'last' && (m.type === 'complete' || m.type === 'error')) {
    parentPort.postMessage({ done: Date.now() });
    socket.close();
  }
});
`;

await withBenchStack(async (stack) => {
  const { issueAccessToken } = await import('../lib/jwt.js');
  const { createRequire } = await import('node:module');
  const { accessToken } = await issueAccessToken('424242');
  const probe = async () => {
    const t = performance.now();
    const r = await fetch(stack.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
    await r.text();
    return performance.now() - t;
  };
  for (let i = 0; i < 20; i++) await probe(); // warm
  await sleep(500);
  const before = await rss(stack.gatewayUrl);

  const worker = new Worker(SENDER, {
    eval: true,
    workerData: { url: stack.wsUrl, token: accessToken, pairs: PAIRS, ws: createRequire(import.meta.url).resolve('ws') },
  });
  let started = 0;
  let done = 0;
  worker.on('message', (m: { started?: number; done?: number }) => {
    if (m.started) started = m.started;
    if (m.done) done = m.done;
  });
  const latencies: number[] = [];
  while (!started) await sleep(5);
  while (!done) {
    latencies.push(await probe());
    await sleep(10);
  }
  const took = done - started;
  await sleep(1000);
  const left = ((await (await fetch(`${stack.gatewayUrl}/healthz/subscriptions`)).json()) as { hub: { listeners: number } }).hub.listeners;
  const growth = (await rss(stack.gatewayUrl)) - before;
  await worker.terminate();
  latencies.sort((a, b) => a - b);

  figure('ws.churn.pairs_per_s', Math.round(PAIRS / (took / 1000)), 'pairs/s', `subscribe+complete pairs one socket pushed through the gateway (${PAIRS})`);
  figure('ws.churn.typename.p50', pct(latencies, 50), 'ms', `{ __typename } over HTTP during the flood (${latencies.length} probes)`);
  figure('ws.churn.typename.p99', pct(latencies, 99), 'ms', '{ __typename } over HTTP during the flood');
  figure('ws.churn.rss_growth', growth / 2 ** 20, 'MiB', 'gateway RSS after the flood minus before');
  figure('ws.churn.listeners_left', left, 'listeners', 'one second after the last complete (must be 0)');
}, { processes: ['user', 'homestay', 'order', 'payment', 'gateway'] });
