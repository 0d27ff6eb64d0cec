import { stackCpuByProcess, withBenchStack } from './bench/support.js';
await withBenchStack(async (stack) => {
  await new Promise((r) => setTimeout(r, 5000));
  const a = stackCpuByProcess(stack);
  await new Promise((r) => setTimeout(r, 10000));
  const b = stackCpuByProcess(stack);
  console.log(Object.fromEntries(Object.keys(b).map((k) => [k, `${((b[k]! - a[k]!) / 10).toFixed(1)} ms/s`])));
});
