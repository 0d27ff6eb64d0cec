import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parse } from 'graphql';
import {
  buildSchema,
  isCompositeType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  operationFromDocument,
  possibleRuntimeTypes,
  type CompositeType,
  type Operation,
  type OutputType,
  type Schema,
  type SelectionSet,
} from '@apollo/federation-internals';
import { computeResponse, installResultShaping } from '../../gateway/result-shaping.js';

/**
 * gateway/result-shaping.ts must shape answers exactly as @apollo/gateway's computeResponse does
 * (data, key order, errors with their messages, paths and codes, thrown errors): both run here on
 * the same operations and on inputs generated from them, valid and then randomly damaged (nulls in
 * non-null fields, wrong types, unknown __typename, missing keys, invalid enum values).
 */
// Taken before the last test installs ours in its place (vitest runs each file in its own modules).
const apollo = (createRequire(import.meta.url)('@apollo/gateway/dist/resultShaping.js') as { computeResponse: typeof computeResponse }).computeResponse;

const SDL = `
  scalar JSON
  enum Color { RED GREEN }
  interface Node { id: ID! }
  interface Named { name: String }
  type User implements Node & Named { id: ID! name: String friends: [User!] best: User color: Color! tags: [[String]!] meta: JSON }
  type Homestay implements Node & Named { id: ID! name: String! price: Int! rating: Float host: User! rooms: [Int!]! color: Color }
  type Review implements Node { id: ID! body: String stars: Int! about: Thing }
  union Thing = User | Homestay | Review
  type Query { node(id: ID!): Node things: [Thing!]! me: User homestays: [Homestay]! count: Int! flag: Boolean }
`;

const OPERATIONS = [
  `query Q($v: Boolean!, $w: Boolean = false) {
     me { id name @skip(if: $v) color tags meta friends { id name } best { id best { name } } }
     count flag
     homestays { id price host @include(if: $w) { name } ... on Named { name } }
   }`,
  `query($v: Boolean!) {
     __typename
     things {
       __typename
       kind: __typename
       ... on Node { id }
       ... on User { name color friends { ...U } }
       ... on Homestay { name price rooms host { ...U } }
       ... on Review @skip(if: $v) { body stars about { ... on Named { name } ... on Review { id } } }
     }
   }
   fragment U on User { id name color ... on Named { n: name } }`,
  `query($v: Boolean!) {
     node(id: "1") { id ... on User { best { id } me: name } ... on Homestay { host { best { color } } rating } }
     a: me { id friends { id } }
     a2: me { ...on User { friends { name } } }
     me @include(if: $v) { id color @skip(if: true) name @include(if: true) }
     __schema { queryType { name } }
   }`,
  // One named fragment at places of different types, where answers may come without __typename.
  `{ me { ...F best { ...F } } homestays { ...F host { ...F } } node(id: "2") { ...F } }
   fragment F on Named { name ... on User { color } ... on Homestay { price } }`,
];

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0) / 2 ** 32);
}

/**
 * A plausible subgraph answer for `selectionSet` on a `concrete` type, keyed by response names;
 * with `__typename` where the type was abstract (as the planner asks it), and sometimes elsewhere.
 */
function generate(schema: Schema, selectionSet: SelectionSet, concrete: CompositeType, r: () => number, depth: number, abstract = false): Record<string, unknown> {
  const out: Record<string, unknown> = abstract || (depth > 0 && r() < 0.5) ? { __typename: concrete.name } : {};
  for (const selection of selectionSet.selections()) {
    if (selection.kind === 'FieldSelection') {
      const field = selection.element;
      if (field.name === '__typename') out[field.responseName()] = concrete.name;
      else if (!field.definition.isSchemaIntrospectionField()) out[field.responseName()] = value(schema, field.definition.type!, selection.selectionSet, r, depth);
    } else {
      const condition = selection.element.typeCondition;
      const applies = !condition || possibleRuntimeTypes(condition).some((t) => t.name === concrete.name);
      if (applies || r() < 0.3) Object.assign(out, generate(schema, selection.selectionSet, concrete, r, depth));
    }
  }
  return out;
}

function value(schema: Schema, type: OutputType, selectionSet: SelectionSet | undefined, r: () => number, depth: number): unknown {
  if (isNonNullType(type)) return value(schema, type.ofType, selectionSet, r, depth);
  if (isListType(type)) return Array.from({ length: depth > 3 ? 0 : Math.floor(r() * 3) }, () => value(schema, type.ofType as OutputType, selectionSet, r, depth + 1));
  if (isCompositeType(type)) {
    const runtime = possibleRuntimeTypes(type) as CompositeType[];
    const concrete = runtime[Math.floor(r() * runtime.length)]!;
    return depth > 4 ? null : generate(schema, selectionSet!, concrete, r, depth + 1, !isObjectType(type));
  }
  if (isEnumType(type)) return type.values[Math.floor(r() * type.values.length)]!.name;
  switch (type.name) {
    case 'Int':
      return Math.floor(r() * 100);
    case 'Float':
      return r() * 10;
    case 'Boolean':
      return r() < 0.5;
    case 'JSON':
      return { any: [1, 'x'] };
    default:
      return `s${Math.floor(r() * 1000)}`;
  }
}

/** Damages parsed JSON in place, each node with probability `rate`. */
function damage(node: unknown, r: () => number, rate: number): unknown {
  if (r() < rate) {
    const pick = r();
    if (pick < 0.35) return null;
    if (pick < 0.5) return 42;
    if (pick < 0.6) return 'BLUE';
    if (pick < 0.7) return { __typename: r() < 0.5 ? 'Nope' : 'String' };
    if (pick < 0.8) return [1];
    if (pick < 0.9) return true;
    return undefined;
  }
  if (Array.isArray(node)) return node.map((n) => damage(n, r, rate) ?? null);
  if (node && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      const d = damage(v, r, rate);
      if (d !== undefined) out[k] = d;
    }
    return out;
  }
  return node;
}

type Shaper = typeof computeResponse;

function outcome(shape: Shaper, operation: Operation, variables: Record<string, unknown>, input: unknown) {
  try {
    const { data, errors } = shape({
      operation,
      variables,
      input: structuredClone(input),
      introspectionHandling: (selection: never) => ({ introspected: (selection as { element: { responseName(): string } }).element.responseName() }),
    });
    return {
      data: JSON.stringify(data),
      errors: errors.map((e) => {
        const g = e as Error & { path?: unknown; extensions?: { code?: unknown } };
        return { message: g.message, path: g.path, code: g.extensions?.code };
      }),
    };
  } catch (err) {
    return { thrown: (err as Error).message };
  }
}

describe('result shaping (gateway/result-shaping.ts against @apollo/gateway)', () => {
  const schema = buildSchema(SDL);
  const operations = OPERATIONS.map((q) => operationFromDocument(schema, parse(q), { validate: false }));
  const root = schema.schemaDefinition.rootType('query')!;

  it('gives Apollo’s data, errors and thrown errors on valid and damaged answers', () => {
    const r = rng(15);
    let compared = 0;
    let withErrors = 0;
    let thrown = 0;
    for (const operation of operations) {
      for (let i = 0; i < 400; i++) {
        const variables = { v: r() < 0.5, ...(r() < 0.5 ? { w: r() < 0.5 } : {}) };
        const valid = generate(schema, operation.selectionSet, root, r, 0);
        const input = i % 4 === 0 ? valid : damage(valid, r, 0.04 + r() * 0.1);
        const ours = outcome(computeResponse, operation, variables, input);
        const theirs = outcome(apollo, operation, variables, input);
        expect(ours, `operation ${operations.indexOf(operation)}, case ${i}, input ${JSON.stringify(input)}`).toEqual(theirs);
        compared++;
        if (ours.errors?.length) withErrors++;
        if ('thrown' in ours) thrown++;
      }
    }
    // The damage must have reached the error paths, not only valid answers.
    expect(compared).toBe(1600);
    expect(withErrors).toBeGreaterThan(200);
    expect(thrown).toBeGreaterThan(20);
  });

  it('a variable of the wrong type in @skip fails as in Apollo', () => {
    const input = generate(schema, operations[0]!.selectionSet, root, rng(1), 0);
    const ours = outcome(computeResponse, operations[0]!, { v: 'yes' }, input);
    expect(ours).toEqual(outcome(apollo, operations[0]!, { v: 'yes' }, input));
    expect(ours).toHaveProperty('thrown');
  });

  it('sets a __proto__ response name as data, never as the prototype', () => {
    const operation = operationFromDocument(schema, parse('{ me { __proto__: name id } }'), { validate: false });
    const { data } = computeResponse({ operation, variables: {}, input: JSON.parse('{"me":{"__proto__":"x","id":"1"}}'), introspectionHandling: () => null });
    const me = (data as { me: Record<string, unknown> }).me;
    expect(Object.getPrototypeOf(me)).toBe(Object.prototype);
    expect(JSON.stringify(data)).toBe('{"me":{"__proto__":"x","id":"1"}}');
  });

  it('is installed in @apollo/gateway (false would mean its modules changed and the stock shaping runs)', () => {
    expect(installResultShaping()).toBe(true);
    const require = createRequire(import.meta.url);
    expect(require('@apollo/gateway/dist/resultShaping.js').computeResponse).toBe(computeResponse);
  });
});
