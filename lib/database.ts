import { MikroORM, defineConfig, type Options } from '@mikro-orm/mysql';
import type { AnyEntity, EntitySchema, MigrationObject } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { SeedManager } from '@mikro-orm/seeder';
import { config, databaseName, type ServiceName } from './config.js';
import { BaseRowSchema } from './base-row.js';

export { MikroORM };
export type { EntityManager } from '@mikro-orm/mysql';

/** What a service gives the shared setup: its entities and migrations (subgraphs/<svc>/database.ts). */
export interface ServiceDatabase {
  service: ServiceName;
  entities: EntitySchema<any, any>[];
  migrations: MigrationObject[];
}

/**
 * Knex pool hook: every new connection's session writes and reads in UTC. The ORM treats every
 * datetime as UTC, but what the server fills itself (`current_timestamp`, `ON UPDATE`, `now()`)
 * follows the session zone, which otherwise is the server's default, wherever that server runs.
 */
function utcSession(conn: { query(sql: string, cb: (err: Error | null) => void): void }, done: (err: Error | null, conn?: unknown) => void) {
  conn.query("set time_zone = '+00:00'", (err) => done(err, conn));
}

export function ormOptions({ service, entities, migrations }: ServiceDatabase, overrides: Partial<Options> = {}): Options {
  return defineConfig({
    clientUrl: config().mysqlUrl,
    dbName: databaseName(service),
    entities: [BaseRowSchema, ...entities] as EntitySchema<AnyEntity>[],
    extensions: [Migrator, SeedManager],
    migrations: {
      migrationsList: migrations,
      tableName: 'mikro_orm_migrations',
      // MySQL commits DDL implicitly, so a migration cannot be rolled back by a transaction.
      transactional: false,
      allOrNothing: false,
      snapshot: false,
      silent: true,
    },
    forceUtcTimezone: true,
    timezone: '+00:00',
    discovery: { warnWhenNoEntities: false },
    allowGlobalContext: false,
    ...overrides,
    pool: { min: 0, max: 20, ...overrides.pool, afterCreate: utcSession },
  });
}

export async function openDatabase(db: ServiceDatabase, overrides: Partial<Options> = {}): Promise<MikroORM> {
  return MikroORM.init(ormOptions(db, overrides));
}

/** Creates the service's database when missing and applies its pending migrations. */
export async function migrateDatabase(db: ServiceDatabase, overrides: Partial<Options> = {}): Promise<string[]> {
  const orm = await MikroORM.init(ormOptions(db, { ...overrides, connect: false }));
  try {
    await orm.schema.ensureDatabase({ create: false });
    const applied = await orm.getMigrator().up();
    return applied.map((m) => m.name);
  } finally {
    await orm.close(true);
  }
}

/** Drops a service's database; it needs no entities, so any process (tests, scripts) can call it. */
export async function dropDatabase(service: ServiceName): Promise<void> {
  const orm = await MikroORM.init(ormOptions({ service, entities: [], migrations: [] }, { connect: false }));
  try {
    await orm.schema.dropDatabase(databaseName(service));
  } finally {
    await orm.close(true);
  }
}
