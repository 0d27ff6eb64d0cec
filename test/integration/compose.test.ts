import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { composeFromConfig, SUPERGRAPH_SDL, SUPERGRAPH_YAML } from '../../scripts/compose.js';

describe('supergraph composition', () => {
  it('the committed supergraph.graphql is what the subgraph schemas compose to (run `npm run compose`)', () => {
    const result = composeFromConfig(SUPERGRAPH_YAML);
    expect(result.ok ? [] : result.errors).toEqual([]);
    expect(readFileSync(SUPERGRAPH_SDL, 'utf8')).toBe(result.ok && result.supergraphSdl);
  });

  it('reports composition errors with their messages', () => {
    const dir = mkdtempSync(join(tmpdir(), 'compose-'));
    writeFileSync(join(dir, 'a.graphql'), 'type Query { a: Int } type Thing @key(fields: "id") { id: ID! n: Int }');
    writeFileSync(join(dir, 'b.graphql'), 'type Query { b: Int } type Thing @key(fields: "id") { id: ID! n: String }');
    writeFileSync(
      join(dir, 'supergraph.yaml'),
      'subgraphs:\n  a:\n    routing_url: http://a\n    schema:\n      file: ./a.graphql\n  b:\n    routing_url: http://b\n    schema:\n      file: ./b.graphql\n',
    );
    const result = composeFromConfig(join(dir, 'supergraph.yaml'));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.join('\n')).toMatch(/Thing\.n/);
  });
});
