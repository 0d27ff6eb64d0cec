import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261122000000_payment } from './Migration20261122000000_payment.js';
import { Migration20261123000000_outbox_headers } from './Migration20261123000000_outbox_headers.js';

export const migrations: MigrationObject[] = [
  { name: 'Migration20261122000000_payment', class: Migration20261122000000_payment },
  { name: 'Migration20261123000000_outbox_headers', class: Migration20261123000000_outbox_headers },
];
