import { cpSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from './processes.js';

/** The folders whose code the product's processes run (scripts/ holds the tools around them). */
export const PRODUCT_DIRS = ['lib', 'contracts', 'gateway', 'subgraphs', 'jobs'];
const ROOT_ASSETS = ['supergraph.graphql'];

/**
 * Copies beside compiled JavaScript in `outDir` the files the code reads through
 * `new URL(..., import.meta.url)` at run time: each subgraph's schema.graphql, the playground's
 * page and assets, and the composed supergraph.graphql (lib/config.ts looks one level up).
 */
export function copyRuntimeAssets(outDir: string): void {
  for (const dir of PRODUCT_DIRS) {
    cpSync(join(PROJECT_ROOT, dir), join(outDir, dir), {
      recursive: true,
      filter: (src) => statSync(src).isDirectory() || !src.endsWith('.ts'),
    });
  }
  for (const file of ROOT_ASSETS) {
    if (!existsSync(join(PROJECT_ROOT, file))) throw new Error(`${file} is missing: run npm run compose first`);
    cpSync(join(PROJECT_ROOT, file), join(outDir, file));
  }
}
