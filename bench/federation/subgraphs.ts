import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { gql } from 'graphql-tag';
import type { DocumentNode } from 'graphql';

/**
 * The public federation gateway benchmark's four subgraphs (the classic Apollo federation demo:
 * accounts, inventory, products, reviews), with the demo's data, served by @apollo/subgraph on
 * @apollo/server in Node. Run as a script: `tsx bench/federation/subgraphs.ts accounts=4201 …` starts
 * those subgraphs in this process and prints READY.
 */
const FED = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@requires", "@provides", "@shareable"])`;

const users = [
  { id: '1', name: 'Ada Lovelace', birthDate: '1815-12-10', username: '@ada' },
  { id: '2', name: 'Alan Turing', birthDate: '1912-06-23', username: '@complete' },
];
const products = [
  { upc: '1', name: 'Table', price: 899, weight: 100 },
  { upc: '2', name: 'Couch', price: 1299, weight: 1000 },
  { upc: '3', name: 'Chair', price: 54, weight: 50 },
];
const inventory = [
  { upc: '1', inStock: true },
  { upc: '2', inStock: false },
  { upc: '3', inStock: true },
];
const reviews = [
  { id: '1', authorID: '1', product: { upc: '1' }, body: 'Love it!' },
  { id: '2', authorID: '1', product: { upc: '2' }, body: 'Too expensive.' },
  { id: '3', authorID: '2', product: { upc: '3' }, body: 'Could be better.' },
  { id: '4', authorID: '2', product: { upc: '1' }, body: 'Prefer something else.' },
];
const usernames = [
  { id: '1', username: '@ada' },
  { id: '2', username: '@complete' },
];

type R = Record<string, any>;
export const SUBGRAPHS: Record<'accounts' | 'inventory' | 'products' | 'reviews', { typeDefs: DocumentNode; resolvers: R }> = {
  accounts: {
    typeDefs: gql`
      ${FED}
      type Query { me: User  user(id: ID!): User  users: [User] }
      type User @key(fields: "id") { id: ID!  name: String  username: String @shareable  birthDate: String }
    `,
    resolvers: {
      Query: { me: () => users[0], user: (_: unknown, { id }: R) => users.find((u) => u.id === id), users: () => users },
      User: { __resolveReference: (ref: R) => users.find((u) => u.id === ref.id) },
    },
  },
  inventory: {
    typeDefs: gql`
      ${FED}
      type Product @key(fields: "upc") {
        upc: String!
        weight: Int @external
        price: Int @external
        inStock: Boolean
        shippingEstimate: Int @requires(fields: "price weight")
      }
    `,
    resolvers: {
      Product: {
        __resolveReference: (ref: R) => ({ ...ref, ...inventory.find((i) => i.upc === ref.upc) }),
        // Free for expensive items, otherwise an estimate from the weight.
        shippingEstimate: (o: R) => (o.price > 1000 ? 0 : o.weight * 0.5),
      },
    },
  },
  products: {
    typeDefs: gql`
      ${FED}
      type Query { topProducts(first: Int = 5): [Product] }
      type Product @key(fields: "upc") { upc: String!  name: String  price: Int  weight: Int }
    `,
    resolvers: {
      Query: { topProducts: (_: unknown, { first }: R) => products.slice(0, first) },
      Product: { __resolveReference: (ref: R) => products.find((p) => p.upc === ref.upc) },
    },
  },
  reviews: {
    typeDefs: gql`
      ${FED}
      type Review @key(fields: "id") { id: ID!  body: String  author: User @provides(fields: "username")  product: Product }
      type User @key(fields: "id") { id: ID!  username: String @external  reviews: [Review] }
      type Product @key(fields: "upc") { upc: String!  reviews: [Review] }
    `,
    resolvers: {
      Review: { author: (r: R) => ({ __typename: 'User', id: r.authorID }) },
      User: {
        reviews: (u: R) => reviews.filter((r) => r.authorID === u.id),
        username: (u: R) => usernames.find((x) => x.id === u.id)?.username,
      },
      Product: { reviews: (p: R) => reviews.filter((r) => r.product.upc === p.upc) },
    },
  },
};

export const NAMES = Object.keys(SUBGRAPHS) as Array<keyof typeof SUBGRAPHS>;

/** The benchmark's query: deep, over users / topProducts / reviews / author. */
export const TEST_QUERY = /* GraphQL */ `
  fragment User on User { id username name }
  fragment Review on Review { id body }
  fragment Product on Product { inStock name price shippingEstimate upc weight }
  query TestQuery {
    users {
      ...User
      reviews { ...Review product { ...Product reviews { ...Review author { ...User reviews { ...Review product { ...Product } } } } } }
    }
    topProducts {
      ...Product
      reviews { ...Review author { ...User reviews { ...Review product { ...Product } } } }
    }
  }
`;

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  // Arguments: name=port … (the bench gives each subgraph a process of its own, as the benchmark does).
  const wanted = process.argv.slice(2).map((a) => a.split('=') as [keyof typeof SUBGRAPHS, string]);
  await Promise.all(
    wanted.map(async ([name, port]) => {
      const { typeDefs, resolvers } = SUBGRAPHS[name];
      const server = new ApolloServer({ schema: buildSubgraphSchema({ typeDefs, resolvers }) });
      await startStandaloneServer(server, { listen: { port: Number(port), host: '127.0.0.1' } });
    }),
  );
  console.log('READY');
}
