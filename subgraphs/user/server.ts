import { readFileSync } from 'node:fs';
import { gql } from 'graphql-tag';
import type { MikroORM } from '../../lib/database.js';
import { startSubgraph } from '../../lib/subgraph-server.js';
import { openRateLimits } from '../../lib/rate-limits.js';
import { createLogger } from '../../lib/logger.js';
import { createRedis } from '../../lib/redis.js';
import { createContext } from './context.js';
import { internalRoutes } from './internal.js';
import { ProfileChanges } from './profile-changes.js';
import { resolvers } from './resolvers.js';

export const typeDefs = gql(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

/** Starts the user subgraph on an open ORM (main.ts; tests may start one in-process). */
export async function startUserSubgraph(orm: MikroORM, port?: number) {
  // login and register count in Redis from the first call (sign-in-limits.ts).
  await openRateLimits();
  // Fails fast while Redis is away (no offline queue): an announcement never holds up updateMe.
  const profileChanges = new ProfileChanges(createRedis({ enableOfflineQueue: false, maxRetriesPerRequest: 1 }), createLogger('user-profile-changes'));
  return startSubgraph({
    name: 'user',
    typeDefs,
    resolvers,
    port,
    context: createContext(orm, profileChanges),
    internalRoutes: internalRoutes(orm),
    ready: async () => void (await orm.em.getConnection().execute('select 1')),
    closeAfter: () => profileChanges.close(),
  });
}
