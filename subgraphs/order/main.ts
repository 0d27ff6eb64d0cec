import { readFileSync } from 'node:fs';
import { gql } from 'graphql-tag';
import { openDatabase } from '../../db/index.js';
import { closeOrderQueue } from '../../jobs/queues.js';
import { onShutdown } from '../../lib/lifecycle.js';
import { createLogger } from '../../lib/logger.js';
import { createRedis } from '../../lib/redis.js';
import { startSubgraph } from '../../lib/subgraph-server.js';
import { createContext } from './context.js';
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
await startSubgraph({
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
