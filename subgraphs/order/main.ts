import { orderDatabase } from './database.js';
import { openDatabase } from '../../lib/database.js';
import { closeOrderQueue } from './mq/queues.js';
import { onShutdown } from '../../lib/lifecycle.js';
import { outboxBacklog, registerCollector } from '../../lib/metrics.js';
import { openRateLimits } from '../../lib/rate-limits.js';
import { createRedis } from '../../lib/redis.js';
import { OrderEventRelay } from './events.js';
import { startOrderSubgraph } from './server.js';

const orm = await openDatabase(orderDatabase);
// One connection publishes state changes, one carries the close-order queue.
const redis = createRedis();
const closeQueue = closeOrderQueue(createRedis());
onShutdown(async () => {
  await closeQueue.close();
  redis.disconnect();
  await orm.close();
});
const deps = { redis, closeQueue };
// requestRefund counts against the per-user payment limit in Redis from the first call.
await openRateLimits();
const subgraph = await startOrderSubgraph(orm, deps);

// Publishes state changes whose direct publish was lost (subgraphs/order/events.ts).
const relay = new OrderEventRelay(orm, redis, subgraph.log.child({ part: 'order-event-relay' }));
relay.start();
registerCollector('order-events', async () => {
  const [row] = await orm.em.fork().getConnection().execute('select count(*) as n from order_state_change where sent_at is null');
  outboxBacklog.set({ table: 'order_state_change' }, Number((row as { n: number | string }).n));
});
// Registered last, so it runs first: the relay stops before Redis and the database close.
onShutdown(() => relay.stop());
