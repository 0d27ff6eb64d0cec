import { pathToFileURL } from 'node:url';
import { migrateDatabase } from '../lib/database.js';
import { DATABASES } from './databases.js';
import { databaseName, SERVICES } from '../lib/config.js';

/** Creates every service database that is missing and applies pending migrations. */
export async function migrateAll(log: (m: string) => void = console.log): Promise<void> {
  for (const service of SERVICES) {
    const applied = await migrateDatabase(DATABASES[service]);
    log(`[migrate] ${databaseName(service)}: ${applied.length ? `applied ${applied.join(', ')}` : 'up to date'}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await migrateAll();
}
