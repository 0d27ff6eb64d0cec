import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PROJECT_ROOT } from './processes.js';
import { copyRuntimeAssets } from './runtime-assets.js';

/**
 * `npm run build`: compiles the processes and their scripts to dist/ with tsc (type errors fail
 * the build), then copies the runtime assets beside the JavaScript (scripts/runtime-assets.ts).
 */
const DIST = join(PROJECT_ROOT, 'dist');

rmSync(DIST, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', join(PROJECT_ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });
if (compiled.status !== 0) process.exit(compiled.status ?? 1);
copyRuntimeAssets(DIST);
console.log(`[build] ${DIST}: compiled and assets copied`);
