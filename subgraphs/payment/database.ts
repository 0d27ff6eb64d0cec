import type { ServiceDatabase } from '../../lib/database.js';
import { entities } from './entities.js';
import { migrations } from './migrations/index.js';

/** The payment service's database: its entities and migrations, for the shared MikroORM setup. */
export const paymentDatabase: ServiceDatabase = { service: 'payment', entities, migrations };
