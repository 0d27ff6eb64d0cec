import { readFileSync } from 'node:fs';
import type { Queue } from 'bullmq';
import { gql } from 'graphql-tag';
import type { Redis } from 'ioredis';
import type { CloseOrderJob } from '../../contracts/queues.js';
import type { MikroORM } from '../../lib/database.js';
import { createLogger } from '../../lib/logger.js';
import { startSubgraph } from '../../lib/subgraph-server.js';
import { createContext } from './context.js';
import { internalRoutes } from './internal.js';
import { resolvers } from './resolvers.js';

export const typeDefs = gql(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

/** Starts the order subgraph on an open ORM, the Redis that publishes state changes, and the close-order queue. */
export function startOrderSubgraph(orm: MikroORM, deps: { redis: Redis; closeQueue: Queue<CloseOrderJob> }, port?: number) {
  return startSubgraph({
    name: 'order',
    typeDefs,
    resolvers,
    port,
    context: createContext(orm, deps),
    internalRoutes: internalRoutes(orm, deps, createLogger('order-internal')),
    ready: async () => {
      await orm.em.getConnection().execute('select 1');
      await deps.redis.ping();
    },
  });
}
