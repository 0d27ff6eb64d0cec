import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { buildSchema, parse, type GraphQLSchema } from 'graphql';
import { composeServices } from '@apollo/composition';
import YAML from 'yaml';

const ROOT = new URL('../../', import.meta.url).pathname;
// Apollo composes with graphql's CommonJS build while vitest loads the ESM one: the composed schema
// is printed with the CommonJS printer it came from, and built again here for graphql-js's own checks.
const { printSchema } = createRequire(import.meta.url)('graphql') as typeof import('graphql');

/** The API schema the gateway serves, composed from the subgraph schemas of supergraph.yaml (no servers needed). */
export function apiSchema(): GraphQLSchema {
  const cfg = YAML.parse(readFileSync(`${ROOT}supergraph.yaml`, 'utf8')) as { subgraphs: Record<string, { routing_url: string; schema: { file: string } }> };
  const services = Object.entries(cfg.subgraphs).map(([name, s]) => ({ name, url: s.routing_url, typeDefs: parse(readFileSync(`${ROOT}${s.schema.file}`, 'utf8')) }));
  const composed = composeServices(services);
  if (!composed.schema) throw new Error(`the subgraphs do not compose: ${composed.errors?.map((e) => e.message).join('; ')}`);
  return buildSchema(printSchema(composed.schema.toAPISchema().toGraphQLJSSchema()));
}
