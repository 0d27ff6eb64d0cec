import { readFileSync } from 'node:fs';
import { loadConfig } from '../lib/config.js';
import { healthzUrl, PROCESS_ENTRIES, type ProcessName } from './processes.js';

/**
 * The container HEALTHCHECK: GET /healthz of the process this container runs, with node's own
 * fetch (the slim image has no curl). Which process, and so which port, comes from the argument,
 * else from PID 1's command line (`node … dist/scripts/run.js <name>`); the port and listen
 * address from the same environment the process read. A one-shot task (migrate, seed) is healthy.
 */
function processName(): string | undefined {
  if (process.argv[2]) return process.argv[2];
  try {
    return readFileSync('/proc/1/cmdline', 'utf8').split('\0').filter(Boolean).at(-1);
  } catch {
    return undefined;
  }
}

const name = processName();
if (!name || !Object.hasOwn(PROCESS_ENTRIES, name)) process.exit(0);
const url = healthzUrl(name as ProcessName, loadConfig());
try {
  const res = await fetch(url, { signal: AbortSignal.timeout(2500) });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  process.exit(0);
} catch (err) {
  console.error(`${url}: ${(err as Error).message}`);
  process.exit(1);
}
