import { spawnSync } from 'node:child_process';
import { nodeBinary } from './node-release.js';
import { PROJECT_ROOT } from './processes.js';

/**
 * `npm run test:node24`: the CI leg on the current Node LTS. The machine's own Node is 20 (end of
 * life since April 2026); Node 24 comes from the npm registry's `node` package, fetched once into
 * npm's cache by `npm exec`. On it: the unit tests, then the compiled build run as the image runs it
 * (scripts/smoke-dist.ts: production install, migrate, seed, every process, queries, SIGTERM).
 * NODE24_VERSION picks another release line (default 24).
 */
const line = process.env.NODE24_VERSION ?? '24';
const step = (m: string) => console.log(`[node${line}] ${m}`);

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, capture = false): string {
  const r = spawnSync(cmd, args, { cwd: PROJECT_ROOT, env, stdio: capture ? ['ignore', 'pipe', 'inherit'] : 'inherit', encoding: 'utf8' });
  if (r.status !== 0) {
    console.error(`[node${line}] ${cmd} ${args.join(' ')} failed with ${r.status ?? r.signal}`);
    process.exit(r.status ?? 1);
  }
  return capture ? r.stdout.trim() : '';
}

const node = nodeBinary(line, PROJECT_ROOT);
step(`${node} is ${run(node, ['--version'], process.env, true)}`);
step('unit tests');
run(node, ['node_modules/vitest/vitest.mjs', 'run', '--project', 'unit']);
step('build, then the smoke of the compiled stack');
run('npm', ['run', 'build']);
run('npm', ['run', 'smoke:dist'], { ...process.env, SMOKE_NODE: node });
step('passed');
