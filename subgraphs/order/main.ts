import { readFileSync } from 'node:fs';
import { gql } from 'graphql-tag';
import { openDatabase } from '../../db/index.js';
import { closeOrderQueue } from '../../jobs/queues.js';
import { onShutdown } from '../../lib/lifecycle.js';
import { createLogger } from '../../lib/logger.js';
import { outboxBacklog, registerCollector } from '../../lib/metrics.js';
import { createRedis } from '../../lib/redis.js';
import { startSubgraph } from '../../lib/subgraph-server.js';
import { createContext } from './context.js';
import { OrderEventRelay } from './events.js';
import { internalRoutes } from './internal.js';
import { resolvers } from './resolvers.js';

export const typeDefs = gql(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

const orm = await openDatabase('order');
// One connection publishes state changes, one carries the close-order queue.
const redis = createRedis();
const closeQueue = closeOrderQueue(createRedis());
onShutdown(async () => {
  await closeQueue.close();
  redis.disconnect();
  await orm.close();
});
const deps = { redis, closeQueue };
const subgraph = await startSubgraph({
  name: 'order',
  typeDefs,
  resolvers,
  context: createContext(orm, deps),
  internalRoutes: internalRoutes(orm, deps, createLogger('order-internal')),
  ready: async () => {
    await orm.em.getConnection().execute('select 1');
    await redis.ping();
  },
});

// Publishes state changes whose direct publish was lost (subgraphs/order/events.ts).
const relay = new OrderEventRelay(orm, redis, subgraph.log.child({ part: 'order-event-relay' }));
relay.start();
registerCollector('order-events', async () => {
  const [row] = await orm.em.fork().getConnection().execute('select count(*) as n from order_state_change where sent_at is null');
  outboxBacklog.set({ table: 'order_state_change' }, Number((row as { n: number | string }).n));
});
// Registered last, so it runs first: the relay stops before Redis and the database close.
onShutdown(() => relay.stop());
