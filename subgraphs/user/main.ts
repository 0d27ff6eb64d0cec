import { readFileSync } from 'node:fs';
import { gql } from 'graphql-tag';
import { openDatabase } from '../../db/index.js';
import { onShutdown } from '../../lib/lifecycle.js';
import { startSubgraph } from '../../lib/subgraph-server.js';
import { internalHandler } from '../../lib/internal-client.js';
import type { EntityManager } from '../../db/index.js';
import { NotificationService, type NotificationInput } from './notifications.js';
import { createContext } from './context.js';
import { resolvers } from './resolvers.js';

export const typeDefs = gql(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

const orm = await openDatabase('user');
onShutdown(() => orm.close());
await startSubgraph({
  name: 'user',
  typeDefs,
  resolvers,
  context: createContext(orm),
  ready: async () => void (await orm.em.getConnection().execute('select 1')),
  internalRoutes: (router) => {
    // The default notifier of the jobs process stores messages here (idempotent by dedupeKey).
    router.post('/notifications', internalHandler((b: NotificationInput) => new NotificationService(orm.em.fork() as EntityManager).store(b)));
  },
});
