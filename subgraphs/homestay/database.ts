import type { ServiceDatabase } from '../../lib/database.js';
import { entities } from './entities.js';
import { migrations } from './migrations/index.js';

/** The homestay service's database: its entities and migrations, for the shared MikroORM setup. */
export const homestayDatabase: ServiceDatabase = { service: 'homestay', entities, migrations };
