import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261122000000_order } from './Migration20261122000000_order.js';

export const migrations: MigrationObject[] = [
  { name: 'Migration20261122000000_order', class: Migration20261122000000_order },
];
