import { readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The production install (`npm ci --omit=dev`, what the image holds) must be exactly what the
 * running processes load: every package their code imports is a dependency, and every dependency
 * is imported by that code. Benchmarks, tests, the soak and the build/compose tools keep theirs
 * in devDependencies.
 */
const ROOT = new URL('../../', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8'));
const tsconfigBuild = readFileSync(`${ROOT}tsconfig.build.json`, 'utf8');

/** What tsconfig.build.json compiles: the runtime code. */
const RUNTIME_DIRS = ['lib', 'contracts', 'gateway', 'subgraphs', 'jobs', 'scripts'];
const DEV_TOOLS = ['scripts/build.ts', 'scripts/compose.ts', 'scripts/smoke-dist.ts'];

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

/** Package names a file loads at run time: imports (not `import type`) and the playground's `pkg('…')` lookups. */
function packagesOf(source: string): string[] {
  const code = source.replace(/import\s+type\s[^;]*;/g, '').replace(/export\s+type\s[^;]*;/g, '');
  const specifiers = [...code.matchAll(/(?:\bfrom|\bimport\(?|\brequire\(|\bpkg\()\s*['"]([@\w][\w.@/-]*)['"]/g)].map((m) => m[1]);
  return specifiers
    .filter((s) => !s.startsWith('.') && !s.startsWith('/') && !isBuiltin(s))
    .map((s) => s.split('/').slice(0, s.startsWith('@') ? 2 : 1).join('/'));
}

const runtimeFiles = RUNTIME_DIRS.flatMap((d) => tsFiles(`${ROOT}${d}`)).filter((f) => !DEV_TOOLS.includes(relative(ROOT, f)));
const importedBy = new Map<string, string[]>();
for (const file of runtimeFiles) {
  for (const name of packagesOf(readFileSync(file, 'utf8'))) {
    importedBy.set(name, [...(importedBy.get(name) ?? []), relative(ROOT, file)]);
  }
}

describe('production dependencies', () => {
  it('build config compiles the runtime folders and leaves out the dev tools', () => {
    for (const dir of RUNTIME_DIRS) expect(tsconfigBuild).toContain(`"${dir}"`);
    for (const tool of DEV_TOOLS) expect(tsconfigBuild).toContain(`"${tool}"`);
  });

  it('every package the processes import is a dependency (not only a devDependency)', () => {
    const missing = [...importedBy].filter(([name]) => !pkg.dependencies[name]).map(([name, files]) => `${name} (${files[0]})`);
    expect(missing).toEqual([]);
  });

  it('every dependency is imported by the processes (tools and benchmarks keep theirs in devDependencies)', () => {
    expect(Object.keys(pkg.dependencies).filter((name) => !importedBy.has(name))).toEqual([]);
  });

  it('keeps the heavy dev tools out of the production install', () => {
    for (const name of ['@graphql-hive/gateway', 'autocannon', 'playwright-core', '@apollo/composition', 'yaml', 'tsx', 'typescript', 'vitest']) {
      expect(pkg.dependencies[name], name).toBeUndefined();
    }
  });

  it('states the Node floor its dependencies need (undici 7: 20.18.1)', () => {
    expect(pkg.engines.node).toMatch(/^\^20\.18\.1 \|\| >=22/);
  });
});
