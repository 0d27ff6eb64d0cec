import { openDatabase } from '../../lib/database.js';
import { onShutdown } from '../../lib/lifecycle.js';
import { userDatabase } from './database.js';
import { startUserSubgraph } from './server.js';

const orm = await openDatabase(userDatabase);
onShutdown(() => orm.close());
await startUserSubgraph(orm);
