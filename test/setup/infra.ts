import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    namespace: string;
  }
}

/**
 * Global setup of every project that talks to the real MySQL/MariaDB, Redis and Kafka: finds or
 * starts them and migrates the run's own databases (a namespace of its own, so a test run never
 * touches demo data or another run), and transpiles the product the run's processes start from.
 *
 * Vitest runs each project's global setup in the one main process, each through a module runner
 * of its own, so module state is not shared: the run's namespace lives on globalThis, where the
 * second project to need it finds the first one's, and the last project to tear down cleans it.
 */
interface RunNamespace {
  ready: Promise<string>;
  users: number;
}
const KEY = Symbol.for('looklook.test.namespace');
const shared = globalThis as typeof globalThis & { [KEY]?: RunNamespace };

async function prepare(): Promise<string> {
  const namespace = `t${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  process.env.NAMESPACE = namespace;
  process.env.NODE_ENV = 'test';
  const { ensureInfra } = await import('../../scripts/infra/index.js');
  const { migrateAll } = await import('../../scripts/migrate.js');
  const { useStackBuild } = await import('../support/transpile.js');
  // The run's product processes start from JavaScript (test/support/stack.ts).
  await useStackBuild(namespace);
  await ensureInfra((m) => console.log(`[infra] ${m}`));
  await migrateAll(() => undefined);
  return namespace;
}

export default async function setup(project: TestProject) {
  const run = (shared[KEY] ??= { ready: prepare(), users: 0 });
  run.users++;
  const namespace = await run.ready;
  project.provide('namespace', namespace);

  return async () => {
    if (--run.users > 0) return;
    delete shared[KEY];
    const { removeStackBuild } = await import('../support/transpile.js');
    removeStackBuild(namespace);
    if (process.env.KEEP_TEST_DATA) return;
    const { cleanupNamespace } = await import('../support/cleanup.js');
    await cleanupNamespace(namespace);
  };
}
