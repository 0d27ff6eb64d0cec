import { DATABASES } from '../../../scripts/databases.js';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql as parseSdl } from 'graphql-tag';
import type mysql from 'mysql2/promise';
import { openDatabase, type MikroORM } from '../../../lib/database.js';
import { CONTEXT_HEADER, signContext } from '../../../lib/internal-auth.js';
import { startSubgraph } from '../../../lib/subgraph-server.js';
import { startHomestaySubgraph } from '../../../subgraphs/homestay/server.js';
import { createContext as createUserContext } from '../../../subgraphs/user/context.js';
import { resolvers as userResolvers } from '../../../subgraphs/user/resolvers.js';
import { internalSecret, signUp, testNamespace } from '../../support/gql.js';
import { createBusiness, createHomestay, homestayDb, uniqueCity } from '../../support/homestay-fixtures.js';

/**
 * The SQL cost of a homestay page with business and landlord, per subgraph. Each subgraph runs
 * in-process here on the test run's real databases, with a MikroORM logger that counts every SQL
 * statement; the requests are the ones the gateway's query plan sends (the homestay page, then
 * `_entities` for the landlords at the user subgraph).
 */
const counters = { homestay: 0, user: 0 };
const orms: MikroORM[] = [];
const closers: (() => Promise<void>)[] = [];
let homestayUrl = '';
let userUrl = '';
let db: mysql.Connection;
const city = uniqueCity('Count');

async function post(url: string, query: string, variables: Record<string, unknown> = {}) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [CONTEXT_HEADER]: signContext({}, internalSecret()) },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  expect(body.errors).toBeUndefined();
  return body.data;
}

beforeAll(async () => {
  for (const service of ['homestay', 'user'] as const) {
    const orm = await openDatabase(DATABASES[service], {
      dbName: `${testNamespace()}_${service}`,
      debug: ['query'],
      logger: () => void (counters[service] += 1),
    });
    orms.push(orm);
    if (service === 'homestay') {
      const s = await startHomestaySubgraph(orm, 0);
      homestayUrl = `http://127.0.0.1:${s.port}`;
      closers.push(s.close);
    } else {
      const s = await startSubgraph({
        name: 'user',
        typeDefs: parseSdl(readFileSync(new URL('../../../subgraphs/user/schema.graphql', import.meta.url), 'utf8')),
        resolvers: userResolvers,
        context: createUserContext(orm),
        port: 0,
      });
      userUrl = `http://127.0.0.1:${s.port}`;
      closers.push(s.close);
    }
  }
  db = await homestayDb();
  // 8 landlords with a business each, 60 homestays spread over them.
  const businesses: { businessId: string; landlordId: string }[] = [];
  for (let i = 0; i < 8; i++) {
    const landlordId = (await signUp(`Count Landlord ${i}`)).userId;
    businesses.push({ landlordId, businessId: await createBusiness(db, landlordId, { title: `Count Business ${i}` }) });
  }
  for (let i = 0; i < 60; i++) await createHomestay(db, { ...businesses[i % 8], city, title: `Count ${i}` });
}, 120_000);

afterAll(async () => {
  for (const close of closers) await close();
  for (const orm of orms) await orm.close();
  await db?.end();
});

/** SQL statements per subgraph for one page of `first` homestays with business and landlord. */
async function cost(first: number): Promise<{ homestay: number; user: number; rows: number }> {
  counters.homestay = 0;
  counters.user = 0;
  const page = await post(
    homestayUrl,
    `query($first: Int, $city: String) { homestays(first: $first, city: $city) { edges { node {
      id title price rating commentCount business { id title star landlord { __typename id } } landlord { __typename id }
    } } } }`,
    { first, city },
  );
  const nodes = page.homestays.edges.map((e: { node: { landlord: { id: string }; business: { landlord: { id: string } } } }) => e.node);
  const representations = nodes.flatMap((n: { landlord: { id: string }; business: { landlord: { id: string } } }) => [
    { __typename: 'User', id: n.landlord.id },
    { __typename: 'User', id: n.business.landlord.id },
  ]);
  const users = await post(userUrl, 'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id nickname } } }', { r: representations });
  expect(users._entities.every((u: { nickname: string } | null) => u?.nickname?.startsWith('Count Landlord'))).toBe(true);
  return { homestay: counters.homestay, user: counters.user, rows: nodes.length };
}

describe('SQL queries of a homestay page', () => {
  it('stay fixed per subgraph as the page grows (DataLoader batching, no query per row)', async () => {
    const small = await cost(2);
    const costs = [small, await cost(5), await cost(20), await cost(60)];
    expect(costs.map((c) => c.rows)).toEqual([2, 5, 20, 60]);
    for (const c of costs) {
      expect(c.homestay).toBe(small.homestay);
      expect(c.user).toBe(small.user);
    }
    // The page brings its businesses and ratings in its own query; one batch of users.
    expect(small.homestay).toBe(1);
    expect(small.user).toBe(1);
  });
});

describe('SQL queries of nested connections', () => {
  const BUSINESSES = `query($first: Int) { businesses(first: $first) { edges { node {
    id homestays(first: 3) { pageInfo { hasNextPage endCursor } edges { node { id comments(first: 2) { edges { node { id star } } } } } }
  } } } }`;

  it('a page of businesses, each with its homestays and their comments, costs the same few queries however long', async () => {
    counters.homestay = 0;
    const two = await post(homestayUrl, BUSINESSES, { first: 2 });
    const costTwo = counters.homestay;
    counters.homestay = 0;
    const eight = await post(homestayUrl, BUSINESSES, { first: 8 });
    const costEight = counters.homestay;
    expect(two.businesses.edges).toHaveLength(2);
    expect(eight.businesses.edges).toHaveLength(8);
    // Businesses, their first homestays (one window query), those homestays' first comments (one more).
    expect(costEight).toBe(costTwo);
    expect(costTwo).toBeLessThanOrEqual(3);
  });

  it('gives each business its own newest homestays, and the next page after the batched first one', async () => {
    const data = await post(homestayUrl, BUSINESSES, { first: 8 });
    const mine = data.businesses.edges.map((e: { node: unknown }) => e.node) as {
      id: string;
      homestays: { pageInfo: { hasNextPage: boolean; endCursor: string }; edges: { node: { id: string } }[] };
    }[];
    for (const b of mine) {
      const [rows] = await db.query('select id from homestay where homestay_business_id = ? and row_state = 1 and del_state = 0 order by id desc', [b.id]);
      const all = (rows as { id: number | string }[]).map((r) => String(r.id));
      expect(b.homestays.edges.map((e) => e.node.id)).toEqual(all.slice(0, 3));
      expect(b.homestays.pageInfo.hasNextPage).toBe(all.length > 3);
      if (all.length > 3) {
        const next = await post(homestayUrl, 'query($id: ID!, $after: String) { business(id: $id) { homestays(first: 100, after: $after) { edges { node { id } } } } }', {
          id: b.id,
          after: b.homestays.pageInfo.endCursor,
        });
        expect(next.business.homestays.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(all.slice(3));
      }
    }
  });
});
