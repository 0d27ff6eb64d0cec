import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROCESS_ENTRIES } from '../../scripts/processes.js';

/**
 * No Docker engine runs here, so check what the image will do from the Dockerfile's text: the
 * stages, the runtime base, the install, the user, the command and the health check. That the
 * compiled build runs with that command from a directory holding only dist/, package.json, the
 * lock and a production install is `npm run smoke:dist` (scripts/smoke-dist.ts: a few minutes).
 */
const ROOT = new URL('../../', import.meta.url).pathname;
const dockerfile = readFileSync(`${ROOT}Dockerfile`, 'utf8');
const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8'));
const tsconfigBuild = readFileSync(`${ROOT}tsconfig.build.json`, 'utf8');

const lines = dockerfile.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#')).join('\n').replace(/\\\n\s*/g, ' ').split('\n');
const stages = lines.reduce<string[][]>((acc, line) => (line.startsWith('FROM ') ? [...acc, [line]] : (acc.at(-1)?.push(line), acc)), []);
const runtime = stages.at(-1)!;
const instruction = (stage: string[], name: string) => stage.filter((l) => l.startsWith(`${name} `)).map((l) => l.slice(name.length + 1).trim());
const json = (stage: string[], name: string): string[] => JSON.parse(instruction(stage, name).at(-1)!.replace(/^CMD /, ''));

describe('Dockerfile', () => {
  it('builds in one stage and runs on the current Node LTS slim image in another', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24-bookworm-slim$/m);
    expect(stages).toHaveLength(2);
    expect(stages[0][0]).toBe('FROM ${NODE_IMAGE} AS build');
    expect(runtime[0]).toBe('FROM ${NODE_IMAGE}');
    expect(instruction(stages[0], 'RUN')).toEqual(expect.arrayContaining([expect.stringMatching(/^npm ci\b/), 'npm run build']));
  });

  it('installs only production dependencies at run time and copies only the compiled build', () => {
    const installs = instruction(runtime, 'RUN');
    expect(installs.some((r) => /npm ci --omit=dev --omit=optional\b/.test(r))).toBe(true);
    expect(installs.join(' ')).not.toMatch(/--include=dev|npm run build|tsx/);
    expect(instruction(runtime, 'COPY')).toEqual(['package.json package-lock.json ./', '--from=build /app/dist ./dist']);
    expect(instruction(runtime, 'ENV')).toContain('NODE_ENV=production');
  });

  it('runs as a non-root user', () => {
    const user = instruction(runtime, 'USER').at(-1);
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
  });

  it('picks the process by its command, with the same entry as start:<process>:prod', () => {
    const entrypoint = json(runtime, 'ENTRYPOINT');
    expect(entrypoint).toEqual(['node', '--enable-source-maps', 'dist/scripts/run.js']);
    const cmd = json(runtime, 'CMD');
    expect(Object.keys(PROCESS_ENTRIES)).toContain(cmd[0]);
    for (const name of Object.keys(PROCESS_ENTRIES)) {
      expect(pkg.scripts[`start:${name}:prod`], name).toBe(`${entrypoint.join(' ')} ${name}`);
    }
    expect(pkg.scripts['migrate:prod']).toBe(`${entrypoint.join(' ')} migrate`);
  });

  it('checks health on /healthz with node itself (no curl in the slim image)', () => {
    const healthcheck = instruction(runtime, 'HEALTHCHECK').at(-1)!;
    const command: string[] = JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD ') + 4));
    expect(command).toEqual(['node', 'dist/scripts/healthcheck.js']);
    expect(readFileSync(`${ROOT}scripts/healthcheck.ts`, 'utf8')).toContain('healthzUrl(');
    expect(readFileSync(`${ROOT}scripts/processes.ts`, 'utf8')).toMatch(/\/healthz`/);
  });

  it('compiles what the image runs: both entries are sources of the build', () => {
    for (const file of ['scripts/run.ts', 'scripts/healthcheck.ts']) {
      expect(existsSync(`${ROOT}${file}`), file).toBe(true);
      expect(tsconfigBuild).not.toContain(`"${file}"`);
    }
  });
});
