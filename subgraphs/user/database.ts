import type { ServiceDatabase } from '../../lib/database.js';
import { entities } from './entities.js';
import { migrations } from './migrations/index.js';

/** The user service's database: its entities and migrations, for the shared MikroORM setup. */
export const userDatabase: ServiceDatabase = { service: 'user', entities, migrations };
