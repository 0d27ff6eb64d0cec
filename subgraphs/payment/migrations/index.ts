import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261122000000_payment } from './Migration20261122000000_payment.js';
import { Migration20261123000000_outbox_headers } from './Migration20261123000000_outbox_headers.js';
import { Migration20261202000200_payment_refund_amount } from './Migration20261202000200_payment_refund_amount.js';

export const migrations: MigrationObject[] = [
  { name: 'Migration20261122000000_payment', class: Migration20261122000000_payment },
  { name: 'Migration20261123000000_outbox_headers', class: Migration20261123000000_outbox_headers },
  { name: 'Migration20261202000200_payment_refund_amount', class: Migration20261202000200_payment_refund_amount },
];
