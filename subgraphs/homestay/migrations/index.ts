import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261122000100_homestay } from './Migration20261122000100_homestay.js';
import { Migration20261201000100_reservation_barrier } from './Migration20261201000100_reservation_barrier.js';
import { Migration20261202000000_cancellation_policy } from './Migration20261202000000_cancellation_policy.js';
import { Migration20261202000100_landlord_reviews } from './Migration20261202000100_landlord_reviews.js';

export const migrations: MigrationObject[] = [
  { name: 'Migration20261122000100_homestay', class: Migration20261122000100_homestay },
  { name: 'Migration20261201000100_reservation_barrier', class: Migration20261201000100_reservation_barrier },
  { name: 'Migration20261202000000_cancellation_policy', class: Migration20261202000000_cancellation_policy },
  { name: 'Migration20261202000100_landlord_reviews', class: Migration20261202000100_landlord_reviews },
];
