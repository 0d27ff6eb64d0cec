import { figure, stackCpuByProcess, withBenchStack } from './support.js';

/**
 * CPU each process of the stack burns with nothing to do (ms of CPU per second of wall time),
 * after a few seconds of settling: timers, pollers, heartbeats. A process far above the others
 * is busy-waiting somewhere (kafkajs's request queue did, lib/kafkajs-idle-fix.ts).
 */
const SETTLE_MS = 5_000;
const WINDOW_MS = 10_000;

await withBenchStack(async (stack) => {
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const before = stackCpuByProcess(stack);
  await new Promise((r) => setTimeout(r, WINDOW_MS));
  const after = stackCpuByProcess(stack);
  for (const name of Object.keys(after)) {
    figure(`idle.cpu.${name}`, (after[name]! - before[name]!) / (WINDOW_MS / 1000), 'ms/s', `CPU of the ${name} process per second with no load`);
  }
});
