import type { TestProject } from 'vitest/node';
import { Stack, type ProcessName } from '../support/stack.js';

declare module 'vitest' {
  export interface ProvidedContext {
    gatewayUrl: string;
    ports: Record<ProcessName, number>;
  }
}

/**
 * Starts the shared stack of product processes (every subgraph, the jobs process and the
 * gateway) that most integration test files call. Runs after setup/infra.ts, in its namespace.
 */
export default async function setup(project: TestProject) {
  const stack = await Stack.start({ namespace: project.getProvidedContext().namespace });
  project.provide('gatewayUrl', stack.gatewayUrl);
  project.provide('ports', stack.ports);
  return () => stack.close();
}
