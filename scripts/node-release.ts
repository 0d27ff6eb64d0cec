import { spawnSync } from 'node:child_process';

/**
 * The binary of a Node release line (`24`, `22`…), taken from the npm registry's `node` package by
 * `npm exec` and kept in npm's cache: the machine's own Node is 20, past its end of life, while the
 * image (Dockerfile) runs 24. Used by the Node 24 CI leg and by `npm run bench`.
 */
export function nodeBinary(line: string, cwd?: string): string {
  const r = spawnSync('npm', ['exec', '--yes', `--package=node@${line}`, '--', 'node', '-p', 'process.execPath'], {
    cwd,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  const path = r.stdout?.trim().split('\n').pop();
  if (r.status !== 0 || !path) throw new Error(`could not get Node ${line} from the npm registry (npm exec exited ${r.status ?? r.signal})`);
  return path;
}
