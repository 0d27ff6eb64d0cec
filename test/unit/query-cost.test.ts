import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildSchema, getIntrospectionQuery, getOperationAST, parse, print, type GraphQLSchema } from 'graphql';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { loadConfig } from '../../lib/config.js';
import { operationCost } from '../../lib/query-cost.js';
import { MAX_MERGED_FIELDS, QueryGuard, mergeError, sizeError } from '../../lib/query-guard.js';
import { hostileDocument } from '../support/hostile-queries.js';
import { apiSchema } from '../support/api-schema.js';

const ROOT = new URL('../../', import.meta.url).pathname;

const schema = apiSchema();
const cost = (query: string, variables?: Record<string, unknown>, s = schema) => {
  const doc = parse(query);
  return operationCost(s, doc, getOperationAST(doc)!, { variables });
};

describe('operation cost', () => {
  it('counts objects, multiplies lists by first, gives edges the connection size, and ignores scalars', () => {
    // homestays 1 + 20 edges + 20 nodes + 20 businesses + 20 landlords + pageInfo 1.
    const page = `{ homestays(first: 20) { edges { cursor node { id title price cover rating business { id title } landlord { id nickname } } } pageInfo { hasNextPage endCursor } } }`;
    expect(cost(page)).toBe(82);
    expect(cost(`{ homestays { edges { node { id } } } }`)).toBe(1 + 20 + 20); // default page size
    expect(cost(`{ homestays(first: 5000) { edges { node { id } } } }`)).toBe(1 + 100 + 100); // the page cap
    expect(cost(`{ __typename homestay(id: "1") { id title } }`)).toBe(1);
  });

  it('takes first from variables, from the variable default, and from the argument default', () => {
    const q = `query($n: Int) { homestays(first: $n) { edges { node { id } } } }`;
    expect(cost(q, { n: 100 })).toBe(201);
    expect(cost(q, { n: 3 })).toBe(7);
    expect(cost(q, {})).toBe(41);
    expect(cost(`query($n: Int = 10) { homestays(first: $n) { edges { node { id } } } }`)).toBe(21);
    // User.notifications(first: Int = 20): a list with a size argument.
    expect(cost(`{ me { notifications { id } } }`)).toBe(1 + 20);
    expect(cost(`query($n: Int) { me { notifications(first: $n) { id } } }`, { n: 50 })).toBe(1 + 50);
  });

  it('multiplies nested lists, through named and inline fragments, each fragment costed once', () => {
    const nested = `{ businesses(first: 10) { edges { node { homestays(first: 5) { edges { node { id } } } } } } }`;
    // 1 + 10 + 10 + 10 × (1 + 5 + 5)
    expect(cost(nested)).toBe(131);
    const viaFragments = `{ businesses(first: 10) { ...B } } fragment B on HomestayBusinessConnection { edges { node { ... on HomestayBusiness { homestays(first: 5) { ...H } } } } } fragment H on HomestayConnection { edges { node { id } } }`;
    expect(cost(viaFragments)).toBe(131);
  });

  it('ignores introspection and survives fragment cycles and unknown fields', () => {
    expect(cost(getIntrospectionQuery())).toBe(0);
    expect(cost(`{ homestay(id: "1") { ...A } } fragment A on Homestay { business { id } ...B } fragment B on Homestay { ...A }`)).toBe(2);
    expect(cost(`{ nope { id } homestay(id: "1") { alsoNope { id } } }`)).toBe(1);
  });

  it('counts the costliest of exclusive type conditions, and _entities by its representations', () => {
    const s = buildSubgraphSchema(parse(readFileSync(`${ROOT}subgraphs/homestay/schema.graphql`, 'utf8')));
    const q = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Homestay { business { id } landlord { id } } ... on HomestayBusiness { id } } }`;
    const reps = Array.from({ length: 250 }, (_, i) => ({ __typename: 'Homestay', id: String(i) }));
    expect(cost(q, { r: reps }, s)).toBe(250 * 3);
    const u = buildSchema(`type Query { x: [U] } union U = A | B type A { a: [A] } type B { b: B }`);
    expect(cost(`{ x(first: 2) { ... on A { a { __typename } } ... on B { b { __typename } } } }`, {}, u)).toBe(20 * (1 + 20));
  });

  it('puts the hostile document (30 aliases of nested pages of 100) far above the limit, one alias alone too', () => {
    expect(cost(hostileDocument(30))).toBeGreaterThan(100_000_000);
    expect(cost(hostileDocument(1))).toBeGreaterThan(1_000_000);
  });
});

describe('document bounds before validation', () => {
  it('counts tokens and directives by lexing', () => {
    expect(sizeError('{ a b c }', { maxTokens: 5, maxDirectives: 1 })).toBeUndefined();
    const tokens = sizeError('{ a b c d e }', { maxTokens: 5, maxDirectives: 1 });
    expect(tokens?.extensions).toMatchObject({ code: 'GRAPHQL_PARSE_FAILED', limit: 5 });
    expect(tokens?.message).toBe('Syntax Error: Document contains more than 5 tokens. Parsing aborted.');
    // Comments are not tokens (graphql-js does not count them either).
    expect(sizeError(`# ${'x'.repeat(10_000)}\n{ a }`, { maxTokens: 5, maxDirectives: 1 })).toBeUndefined();
    const directives = sizeError('{ a @skip(if: true) b @include(if: true) }', { maxTokens: 100, maxDirectives: 1 });
    expect(directives?.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', limit: 1 });
  });

  it('refuses fields merged too many times into one response field, through fragments too', () => {
    const repeat = (n: number, s: string) => Array.from({ length: n }, () => s).join(' ');
    expect(mergeError(parse(`{ ${repeat(MAX_MERGED_FIELDS, 'homestay(id: 1) { id }')} }`), 3000)).toBeUndefined();
    const flat = mergeError(parse(`{ ${repeat(MAX_MERGED_FIELDS + 1, 'homestay(id: 1) { id }')} }`), 3000);
    expect(flat?.message).toMatch(/Field "homestay" is selected 21 times/);
    // Each level merges only twice, but the leaves of a binary tree all merge into one field.
    const tree = (d: number): string => (d === 0 ? 'id' : `a { ${tree(d - 1)} } a { ${tree(d - 1)} }`);
    expect(mergeError(parse(`{ ${tree(4)} }`), 3000)).toBeUndefined();
    expect(mergeError(parse(`{ ${tree(5)} }`), 3000)?.message).toMatch(/Field "a\.a\.a\.a\.a" is selected 32 times/);
    const fragments = Array.from({ length: 30 }, (_, i) => `fragment F${i} on Query { __typename }`).join(' ');
    const spreads = Array.from({ length: 30 }, (_, i) => `...F${i}`).join(' ');
    expect(mergeError(parse(`{ ${spreads} } ${fragments}`), 3000)?.message).toMatch(/"__typename" is selected/);
    // A fragment spread twice at one place merges once; a cycle ends.
    expect(mergeError(parse(`{ ${repeat(50, '...F')} } fragment F on Query { __typename }`), 3000)).toBeUndefined();
    expect(mergeError(parse(`{ ...F } fragment F on Query { a { ...F } }`), 3000)).toBeUndefined();
  });

  it('refuses a document whose fragments expand to too many fields', () => {
    // Each level spreads the next twice under different fields: 2^16 leaves from a few hundred tokens.
    const levels = 16;
    const defs = Array.from({ length: levels }, (_, i) => `fragment F${i} on A { x { ...F${i + 1} } y { ...F${i + 1} } }`).join(' ');
    const doc = parse(`{ a { ...F0 } } ${defs} fragment F${levels} on A { id }`);
    expect(mergeError(doc, 3000)?.message).toMatch(/expands to more than 30000 fields/);
  });

  it('QueryGuard: cached documents, cost with each request’s variables', () => {
    const guard = new QueryGuard({ maxTokens: 3000, maxDirectives: 50, maxCost: 5000 }, () => schema);
    const q = `query($n: Int) { homestays(first: $n) { edges { node { comments(first: $n) { edges { node { id } } } } } } }`;
    expect(guard.check(q, undefined, { n: 20 }).error).toBeUndefined();
    const refused = guard.check(q, undefined, { n: 100 }).error;
    expect(refused?.extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED', cost: 1 + 100 + 100 + 100 * (1 + 100 + 100), limit: 5000 });
    expect(guard.check(print(parse(getIntrospectionQuery())), undefined, undefined).error).toBeUndefined();
    expect(guard.check('{ homestays(first: 1) { edges { node { id } }', undefined, undefined).error?.extensions.code).toBe('GRAPHQL_PARSE_FAILED');
  });

  it('QueryGuard: one shared document per text, with locations when asked (the socket server executes it)', () => {
    const bounds = { maxTokens: 3000, maxDirectives: 50, maxCost: 5000 };
    const q = `subscription { orderStateChanged { to order { sn } } }`;
    const located = new QueryGuard(bounds, () => schema, { locations: true });
    const first = located.check(q, undefined, undefined).document;
    expect(first?.loc).toBeDefined();
    expect(located.check(q, undefined, {}).document).toBe(first);
    const plain = new QueryGuard(bounds, () => schema);
    const doc = plain.check(q, undefined, undefined).document;
    expect(doc?.loc).toBeUndefined();
    expect(plain.check(q, undefined, undefined).document).toBe(doc);
  });

  it('reads QUERY_MAX_COST, QUERY_MAX_TOKENS and QUERY_MAX_DIRECTIVES, and refuses 0 at start', () => {
    const cfg = loadConfig({});
    expect([cfg.queryMaxCost, cfg.queryMaxTokens, cfg.queryMaxDirectives]).toEqual([5000, 3000, 50]);
    expect(loadConfig({ QUERY_MAX_COST: '20000' }).queryMaxCost).toBe(20000);
    expect(() => loadConfig({ QUERY_MAX_TOKENS: '0' })).toThrow(/QUERY_MAX_TOKENS must be at least 1/);
    expect(() => loadConfig({ QUERY_MAX_COST: 'lots' })).toThrow(/QUERY_MAX_COST/);
  });
});
