import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261122000100_homestay } from './Migration20261122000100_homestay.js';
import { Migration20261201000100_reservation_barrier } from './Migration20261201000100_reservation_barrier.js';

export const migrations: MigrationObject[] = [
  { name: 'Migration20261122000100_homestay', class: Migration20261122000100_homestay },
  { name: 'Migration20261201000100_reservation_barrier', class: Migration20261201000100_reservation_barrier },
];
