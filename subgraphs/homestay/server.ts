import { readFileSync } from 'node:fs';
import { gql } from 'graphql-tag';
import type { MikroORM } from '../../db/index.js';
import { internalHandler } from '../../lib/internal-client.js';
import { startSubgraph } from '../../lib/subgraph-server.js';
import { createContext } from './context.js';
import { ReservationService } from './reservations.js';
import { resolvers } from './resolvers.js';

export const typeDefs = gql(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

/** Starts the homestay subgraph on an open ORM (main.ts; tests may start one in-process). */
export function startHomestaySubgraph(orm: MikroORM, port?: number) {
  const reservations = new ReservationService(orm);
  return startSubgraph({
    name: 'homestay',
    typeDefs,
    resolvers,
    port,
    context: createContext(orm),
    // For the order service only: startSubgraph refuses callers without the service credential.
    internalRoutes: (router) => {
      router.post('/homestays/get', internalHandler<{ id: unknown }>((b) => reservations.get(b?.id)));
      router.post('/reservations/reserve', internalHandler<Record<string, string>>((b) => reservations.reserve(b ?? {})));
      router.post('/reservations/release', internalHandler<{ sn: unknown }>((b) => reservations.release(b?.sn)));
      router.post(
        '/reservations/held',
        internalHandler<{ olderThanMs: unknown; limit?: unknown; after?: unknown }>((b) => reservations.held(b?.olderThanMs, b?.limit, b?.after)),
      );
    },
    ready: async () => void (await orm.em.getConnection().execute('select 1')),
  });
}
