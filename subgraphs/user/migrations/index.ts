import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261122000000_user } from './Migration20261122000000_user.js';
import { Migration20261122100000_notification } from './Migration20261122100000_notification.js';

export const migrations: MigrationObject[] = [
  { name: 'Migration20261122000000_user', class: Migration20261122000000_user },
  { name: 'Migration20261122100000_notification', class: Migration20261122100000_notification },
];
