import { defineConfig } from 'vitest/config';

/**
 * Integration test files that need the real MySQL/Redis/Kafka and the run's migrated databases
 * but none of the shared product processes: their project skips starting the stack. A file not
 * listed runs with the stack, which is always correct, only slower to start.
 */
const WITHOUT_STACK = [
  'test/integration/compose.test.ts',
  'test/integration/db-timezone.test.ts',
  'test/integration/infra.test.ts',
  'test/integration/jobs/notify-retries.test.ts',
  'test/integration/kafkajs-idle.test.ts',
  'test/integration/jobs/stalled-job.test.ts',
  'test/integration/order/refund-outage.test.ts',
  'test/integration/order/state-machine.test.ts',
  'test/integration/payment/outbox-mark.test.ts',
  'test/integration/payment/relay-fencing.test.ts',
  'test/integration/schema-drift.test.ts',
  'test/integration/supervisor.test.ts',
];

/**
 * Three projects, each starting only what its files need: a project's global setup runs only
 * when the run includes one of its files (`npm run test:unit` starts nothing at all).
 */
export default defineConfig({
  test: {
    pool: 'forks',
    // Two cores: test files run two at a time beside the stack's processes.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    env: { NODE_ENV: 'test' },
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: { name: 'infra', include: WITHOUT_STACK, globalSetup: ['test/setup/infra.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'stack',
          include: ['test/integration/**/*.test.ts'],
          exclude: WITHOUT_STACK,
          globalSetup: ['test/setup/infra.ts', 'test/setup/stack.ts'],
        },
      },
    ],
  },
});
