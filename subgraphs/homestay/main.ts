import { homestayDatabase } from './database.js';
import { openDatabase } from '../../lib/database.js';
import { onShutdown } from '../../lib/lifecycle.js';
import { startHomestaySubgraph } from './server.js';

const orm = await openDatabase(homestayDatabase);
onShutdown(() => orm.close());
await startHomestaySubgraph(orm);
