import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261122000000_order } from './Migration20261122000000_order.js';
import { Migration20261201000000_settle_record } from './Migration20261201000000_settle_record.js';
import { Migration20261201000000_order_saga } from './Migration20261201000000_order_saga.js';
import { Migration20261202000000_refund_policy } from './Migration20261202000000_refund_policy.js';
import { Migration20261202000200_refund_confirmed } from './Migration20261202000200_refund_confirmed.js';
import { Migration20261202000300_settle_homestay } from './Migration20261202000300_settle_homestay.js';

export const migrations: MigrationObject[] = [
  { name: 'Migration20261122000000_order', class: Migration20261122000000_order },
  { name: 'Migration20261201000000_settle_record', class: Migration20261201000000_settle_record },
  { name: 'Migration20261201000000_order_saga', class: Migration20261201000000_order_saga },
  { name: 'Migration20261202000000_refund_policy', class: Migration20261202000000_refund_policy },
  { name: 'Migration20261202000200_refund_confirmed', class: Migration20261202000200_refund_confirmed },
  { name: 'Migration20261202000300_settle_homestay', class: Migration20261202000300_settle_homestay },
];
