import { config } from '../../lib/config.js';

/**
 * Crash points the integration tests arm with ORDER_TEST_CRASH_AT=<point>, to prove that no
 * state is lost when the process dies there. Inert unless NODE_ENV=test.
 */
export type CrashPoint = 'before-publish';

export function crashPoint(point: CrashPoint): void {
  if (config().nodeEnv !== 'test' || process.env.ORDER_TEST_CRASH_AT !== point) return;
  process.kill(process.pid, 'SIGKILL');
}
