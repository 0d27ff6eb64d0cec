import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { figure, withBenchStack } from './support.js';

/**
 * Live order status at scale: SUBSCRIBERS concurrent graphql-ws connections (one user and one
 * `orderStateChanged` subscription each) on ONE gateway process, then one order event for each of
 * them published on the shared Redis channel, as the order service does. Measures the time from
 * publish to receipt by the client (p50/p99), once as a burst (every event at once) and once
 * paced, and the gateway's memory per connection (RSS and V8 heap, from its /metrics).
 *
 * The selection is `to order { sn }`, which the gateway answers from the event itself (no
 * subgraph call), so this measures the subscription server: Redis fan-out, execution, WebSocket.
 */
const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 2000);
const WARM_UP_REQUESTS = 20_000;
const PACED_PER_MS = 2; // events per millisecond in the paced round
const QUERY = 'subscription { orderStateChanged { to at order { sn } } }';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/**
 * The gateway's memory from its /metrics. `nursery` is what V8's young generation has committed
 * (reported, not subtracted: warmUp() makes it resident before the idle reading). What a
 * connection keeps is promoted to the old generation, hence `heap`.
 */
async function gatewayMemory(url: string): Promise<{ rss: number; heap: number; nursery: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  // Series carry the service label too: `name{space="new",service="gateway"} 123`.
  const value = (name: string, label = '') =>
    Number(text.split('\n').find((l) => l.startsWith(name) && l.includes(label))?.split(' ').pop() ?? NaN);
  return {
    rss: value('process_resident_memory_bytes'),
    // The old generation only: what survived the young one, i.e. what connections keep (young
    // garbage comes and goes with every scavenge and made this figure noise).
    heap: value('nodejs_heap_space_size_used_bytes', 'space="old"') + value('nodejs_heap_space_size_used_bytes', 'space="large_object"'),
    nursery: value('nodejs_heap_space_size_total_bytes', 'space="new"'),
  };
}

/**
 * Requests through the gateway before the idle reading. V8's young generation is committed at
 * start (on Node 24 with this much RAM, two 64 MiB semi-spaces) but only becomes resident as
 * allocation first touches it: a fresh gateway's RSS then grows by up to its whole size on the
 * first burst of any work, whatever is kept. A gateway in service has touched it long ago.
 */
async function warmUp(url: string): Promise<void> {
  const body = JSON.stringify({ query: '{ __typename }' });
  let left = WARM_UP_REQUESTS;
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      while (left-- > 0) await (await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).arrayBuffer();
    }),
  );
  await sleep(1000);
}

async function stats(url: string): Promise<{ connections: number; hub: { listeners: number } }> {
  return (await fetch(`${url}/healthz/subscriptions`)).json() as never;
}

async function waitUntil(fn: () => Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

await withBenchStack(
  async (stack) => {
    // Tokens are minted with the same (development) secret the gateway verifies them with.
    const { issueAccessToken } = await import('../lib/jwt.js');
    const { createRedis } = await import('../lib/redis.js');
    const { publishOrderStateChange } = await import('../contracts/order.js');
    const redis = createRedis();

    await sleep(1000);
    await warmUp(stack.gatewayUrl);
    const idle = await gatewayMemory(stack.gatewayUrl);

    // receipt time of the event, per round and subscriber
    const received: Array<Map<number, number>> = [new Map(), new Map()];
    let round = 0;
    const clients: Client[] = [];
    const connectStart = performance.now();
    for (let i = 0; i < SUBSCRIBERS; i++) {
      const { accessToken } = await issueAccessToken(String(100_000 + i));
      const client = createClient({
        url: stack.wsUrl,
        webSocketImpl: WebSocket,
        lazy: true,
        retryAttempts: 0,
        connectionParams: { authorization: `Bearer ${accessToken}` },
      });
      client.subscribe(
        { query: QUERY },
        {
          next: () => void received[round]!.set(i, performance.now()),
          error: (err) => console.error(`subscriber ${i} failed`, err),
          complete: () => undefined,
        },
      );
      clients.push(client);
      if (i % 200 === 199) await sleep(20); // let the handshakes through rather than flood the backlog
    }
    await waitUntil(async () => (await stats(stack.gatewayUrl)).hub.listeners >= SUBSCRIBERS, 120_000, 'every subscription to be live');
    const connectSeconds = (performance.now() - connectStart) / 1000;
    await sleep(2000);
    const loaded = await gatewayMemory(stack.gatewayUrl);

    // Each round moves every order one step on: a subscriber is told an order's state once.
    const STEPS = [{ from: 'WAIT_PAY', to: 'WAIT_USE' }, { from: 'WAIT_USE', to: 'USED' }] as const;
    const event = (i: number) => ({
      sn: `HSO${String(i).padStart(22, '0')}`,
      userId: String(100_000 + i),
      ...STEPS[round]!,
      at: new Date().toISOString(),
    });

    const results: Array<{ p50: number; p99: number; max: number; delivered: number }> = [];
    for (round = 0; round < 2; round++) {
      const published = new Map<number, number>();
      if (round === 0) {
        // Burst: every event at once.
        const t0 = performance.now();
        await Promise.all(Array.from({ length: SUBSCRIBERS }, (_, i) => (published.set(i, t0), publishOrderStateChange(redis, event(i)))));
      } else {
        // Paced: PACED_PER_MS events per millisecond.
        for (let i = 0; i < SUBSCRIBERS; i += PACED_PER_MS) {
          for (let j = i; j < Math.min(SUBSCRIBERS, i + PACED_PER_MS); j++) {
            published.set(j, performance.now());
            void publishOrderStateChange(redis, event(j));
          }
          await sleep(1);
        }
      }
      const r = round;
      await waitUntil(async () => received[r]!.size >= SUBSCRIBERS, 60_000, 'every event').catch((err) => console.error(String(err)));
      const latencies = [...received[r]!].map(([i, t]) => t - published.get(i)!).sort((a, b) => a - b);
      results.push({ p50: pct(latencies, 50), p99: pct(latencies, 99), max: latencies.at(-1)!, delivered: latencies.length });
      await sleep(500);
    }

    figure('subscriptions.connect.seconds', connectSeconds, 's', `${SUBSCRIBERS} connections and subscriptions opened and live`);
    for (const [name, r] of [['burst', results[0]!], ['paced', results[1]!]] as const) {
      const how = name === 'burst' ? `${SUBSCRIBERS} events published at once` : `${PACED_PER_MS} events/ms`;
      figure(`subscriptions.${name}.p50`, r.p50, 'ms', `publish to receipt, one event per subscriber, ${how}: median`);
      figure(`subscriptions.${name}.p99`, r.p99, 'ms', `publish to receipt, ${how}: 99th percentile`);
      figure(`subscriptions.${name}.delivered`, r.delivered, 'events', `events received of ${SUBSCRIBERS}`);
    }
    figure('subscriptions.memory.rss_per_connection', (loaded.rss - idle.rss) / SUBSCRIBERS / 1024, 'KiB', 'gateway RSS growth per open connection with one subscription (from a gateway that has served requests)');
    figure('subscriptions.memory.nursery', idle.nursery / 2 ** 20, 'MiB', 'V8 young generation (new space) the gateway has committed, touched by the warm-up');
    figure('subscriptions.memory.heap_per_connection', (loaded.heap - idle.heap) / SUBSCRIBERS / 1024, 'KiB', 'gateway V8 old-generation growth per open connection with one subscription');

    await Promise.all(clients.map((c) => c.dispose()));
    redis.disconnect();
  },
  { processes: ['gateway'] },
);
