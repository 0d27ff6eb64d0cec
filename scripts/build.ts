import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PROJECT_ROOT } from './processes.js';

/**
 * `npm run build`: compiles the processes and their scripts to dist/ with tsc (type errors fail
 * the build), then copies beside the JavaScript the files the code reads through
 * `new URL(..., import.meta.url)` at run time: each subgraph's schema.graphql, the playground's
 * page and assets, and the composed supergraph.graphql (lib/config.ts looks one level up).
 */
const DIST = join(PROJECT_ROOT, 'dist');
/** Source folders whose non-TypeScript files are runtime assets. */
const ASSET_DIRS = ['lib', 'contracts', 'gateway', 'subgraphs', 'jobs'];
const ROOT_ASSETS = ['supergraph.graphql'];

rmSync(DIST, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', join(PROJECT_ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });
if (compiled.status !== 0) process.exit(compiled.status ?? 1);

for (const dir of ASSET_DIRS) {
  cpSync(join(PROJECT_ROOT, dir), join(DIST, dir), {
    recursive: true,
    filter: (src) => statSync(src).isDirectory() || !src.endsWith('.ts'),
  });
}
for (const file of ROOT_ASSETS) {
  if (!existsSync(join(PROJECT_ROOT, file))) throw new Error(`${file} is missing: run npm run compose first`);
  cpSync(join(PROJECT_ROOT, file), join(DIST, file));
}
console.log(`[build] ${DIST}: compiled and assets copied`);
