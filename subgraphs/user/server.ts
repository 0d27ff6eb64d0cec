import { readFileSync } from 'node:fs';
import { gql } from 'graphql-tag';
import type { MikroORM } from '../../lib/database.js';
import { startSubgraph } from '../../lib/subgraph-server.js';
import { openRateLimits } from '../../lib/rate-limits.js';
import { createContext } from './context.js';
import { internalRoutes } from './internal.js';
import { resolvers } from './resolvers.js';

export const typeDefs = gql(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

/** Starts the user subgraph on an open ORM (main.ts; tests may start one in-process). */
export async function startUserSubgraph(orm: MikroORM, port?: number) {
  // login and register count in Redis from the first call (sign-in-limits.ts).
  await openRateLimits();
  return startSubgraph({
    name: 'user',
    typeDefs,
    resolvers,
    port,
    context: createContext(orm),
    internalRoutes: internalRoutes(orm),
    ready: async () => void (await orm.em.getConnection().execute('select 1')),
  });
}
