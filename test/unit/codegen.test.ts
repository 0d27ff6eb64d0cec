import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import config, { GENERATED_FILE } from '../../codegen.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIX = 'run `npm run codegen` and commit the result';

describe('resolver types generated from each subgraph schema', () => {
  it(`the committed files are what codegen.ts makes of the schemas (${FIX})`, async () => {
    const outputs: { filename: string; content: string }[] = await generate({ ...config, cwd: ROOT, silent: true }, false);
    const subgraphs = readdirSync(join(ROOT, 'subgraphs')).filter((name) => existsSync(join(ROOT, 'subgraphs', name, 'schema.graphql')));
    expect(outputs.map((o) => o.filename).sort(), 'codegen.ts covers every subgraph').toEqual(subgraphs.map((name) => `subgraphs/${name}/${GENERATED_FILE}`).sort());
    for (const { filename, content } of outputs) {
      const committed = existsSync(join(ROOT, filename)) ? readFileSync(join(ROOT, filename), 'utf8') : '(missing)';
      expect(committed, `${filename} is stale: ${FIX}`).toBe(content);
    }
  });
});
