import type { ServiceDatabase } from '../../lib/database.js';
import { entities } from './entities.js';
import { migrations } from './migrations/index.js';

/** The order service's database: its entities and migrations, for the shared MikroORM setup. */
export const orderDatabase: ServiceDatabase = { service: 'order', entities, migrations };
