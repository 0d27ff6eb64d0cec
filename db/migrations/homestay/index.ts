import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261122000100_homestay } from './Migration20261122000100_homestay.js';

export const migrations: MigrationObject[] = [
  { name: 'Migration20261122000100_homestay', class: Migration20261122000100_homestay },
];
