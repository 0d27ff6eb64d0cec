import { openDatabase } from '../../db/index.js';
import { onShutdown } from '../../lib/lifecycle.js';
import { startHomestaySubgraph, typeDefs } from './server.js';

export { typeDefs };

const orm = await openDatabase('homestay');
onShutdown(() => orm.close());
await startHomestaySubgraph(orm);
