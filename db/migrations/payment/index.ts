import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261122000000_payment } from './Migration20261122000000_payment.js';

export const migrations: MigrationObject[] = [
  { name: 'Migration20261122000000_payment', class: Migration20261122000000_payment },
];
