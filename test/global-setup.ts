import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { Stack, type ProcessName } from './support/stack.js';

declare module 'vitest' {
  export interface ProvidedContext {
    namespace: string;
    gatewayUrl: string;
    ports: Record<ProcessName, number>;
  }
}

/**
 * Starts (or finds) the real MySQL/MariaDB, Redis and Kafka, migrates the test run's own
 * databases (a namespace of its own, so a test run never touches demo data or another run), and
 * starts the shared stack of product processes that most test files use.
 */
export default async function setup(project: TestProject) {
  const namespace = `t${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  process.env.NAMESPACE = namespace;
  process.env.NODE_ENV = 'test';
  const { ensureInfra } = await import('../scripts/infra/index.js');
  const { migrateAll } = await import('../scripts/migrate.js');
  await ensureInfra((m) => console.log(`[infra] ${m}`));
  await migrateAll(() => undefined);
  const stack = await Stack.start({ namespace });
  project.provide('namespace', namespace);
  project.provide('gatewayUrl', stack.gatewayUrl);
  project.provide('ports', stack.ports);

  return async () => {
    await stack.close();
    if (process.env.KEEP_TEST_DATA) return;
    const { cleanupNamespace } = await import('./support/cleanup.js');
    await cleanupNamespace(namespace);
  };
}
