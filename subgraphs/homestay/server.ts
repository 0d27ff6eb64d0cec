import { readFileSync } from 'node:fs';
import { gql } from 'graphql-tag';
import type { MikroORM } from '../../lib/database.js';
import { internalRoutes } from './internal.js';
import { startSubgraph } from '../../lib/subgraph-server.js';
import { createContext } from './context.js';
import { LandlordNames } from './landlord-names.js';
import { createLogger } from '../../lib/logger.js';
import { ReservationService } from './reservations.js';
import { resolvers } from './resolvers.js';

export const typeDefs = gql(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

/** Starts the homestay subgraph on an open ORM (main.ts; tests may start one in-process). */
export function startHomestaySubgraph(orm: MikroORM, port?: number) {
  const landlordNames = new LandlordNames();
  landlordNames.listen(createLogger('homestay-landlord-names'));
  return startSubgraph({
    name: 'homestay',
    typeDefs,
    resolvers,
    port,
    context: createContext(orm, landlordNames),
    internalRoutes: internalRoutes(new ReservationService(orm)),
    ready: async () => void (await orm.em.getConnection().execute('select 1')),
    closeAfter: () => landlordNames.close(),
  });
}
