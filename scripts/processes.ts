import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isIPv6 } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Config } from '../lib/config.js';

/**
 * The product's long-running processes and their entry modules (without extension), relative to
 * the code root: the repository for the TypeScript sources, `dist/` for the compiled build. Listed
 * once so that `npm start`, the single production entry (scripts/run.ts) and the deployment
 * checks agree on the names.
 */
export const PROCESS_ENTRIES = {
  user: 'subgraphs/user/main',
  homestay: 'subgraphs/homestay/main',
  order: 'subgraphs/order/main',
  payment: 'subgraphs/payment/main',
  jobs: 'jobs/main',
  gateway: 'gateway/main',
} as const;
export type ProcessName = keyof typeof PROCESS_ENTRIES;

const here = fileURLToPath(import.meta.url);
/** True when this file runs as compiled JavaScript (dist/), false under tsx. */
export const COMPILED = here.endsWith('.js');
/** Where the entry modules are: the repository, or dist/ in the build. */
export const CODE_ROOT = join(dirname(here), '..');

/**
 * The directory holding package.json: the repository, or the image's /app whose dist/ holds the
 * code. Runtime state (.data, .cache) lives here, so a rebuild that empties dist/ keeps it.
 */
export const PROJECT_ROOT = (() => {
  for (let dir = CODE_ROOT; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return CODE_ROOT;
  }
})();

/** The file to run for a process: `.ts` under tsx, `.js` in the build. */
export function entryFile(name: ProcessName): string {
  return join(CODE_ROOT, `${PROCESS_ENTRIES[name]}.${COMPILED ? 'js' : 'ts'}`);
}

/** Where this machine reaches a server listening on `host` (a wildcard address means loopback). */
export function origin(host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${isIPv6(h) ? `[${h}]` : h}:${port}`;
}

/** A process's liveness URL as seen from its own machine (or container). */
export function healthzUrl(name: ProcessName, cfg: Config): string {
  return `${origin(name === 'gateway' ? cfg.gatewayHost : cfg.host, cfg.ports[name])}/healthz`;
}
