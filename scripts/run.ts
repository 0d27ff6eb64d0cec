import { pathToFileURL } from 'node:url';
import { entryFile, PROCESS_ENTRIES, type ProcessName } from './processes.js';

/**
 * One entry for every process, picked by name: what the container image runs
 * (`node dist/scripts/run.js gateway`), and what `npm run start:<name>:prod` calls. Besides the
 * six processes it runs the one-shot steps a deployment needs before a rollout: `migrate`
 * (create missing databases, apply migrations) and `seed` (demo data into empty databases).
 */
const TASKS = {
  migrate: async () => (await import('./migrate.js')).migrateAll(),
  seed: async () => void (await (await import('./seed.js')).seedDemoData({ force: process.argv.includes('--force') })),
};
const names = [...Object.keys(PROCESS_ENTRIES), ...Object.keys(TASKS)];

const name = process.argv[2] ?? '';
if (Object.hasOwn(TASKS, name)) {
  await TASKS[name as keyof typeof TASKS]();
} else if (Object.hasOwn(PROCESS_ENTRIES, name)) {
  await import(pathToFileURL(entryFile(name as ProcessName)).href);
} else {
  console.error(`usage: run <${names.join('|')}>${name ? ` (unknown: "${name}")` : ''}`);
  process.exit(64);
}
