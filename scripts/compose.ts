import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import YAML from 'yaml';

interface RoverConfig {
  subgraphs: Record<string, { routing_url: string; schema: { file: string } }>;
}

export type ComposeResult = { ok: true; supergraphSdl: string } | { ok: false; errors: string[] };

/** Composes the subgraphs listed in a Rover-format supergraph.yaml. */
export function composeFromConfig(configPath: string): ComposeResult {
  const cfg = YAML.parse(readFileSync(configPath, 'utf8')) as RoverConfig;
  const base = dirname(configPath);
  const services = Object.entries(cfg.subgraphs).map(([name, s]) => ({
    name,
    url: s.routing_url,
    typeDefs: parse(readFileSync(resolve(base, s.schema.file), 'utf8')),
  }));
  const result = composeServices(services);
  if (result.errors?.length) return { ok: false, errors: result.errors.map((e) => e.message) };
  return { ok: true, supergraphSdl: result.supergraphSdl! };
}

export const SUPERGRAPH_YAML = new URL('../supergraph.yaml', import.meta.url).pathname;
export const SUPERGRAPH_SDL = new URL('../supergraph.graphql', import.meta.url).pathname;

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const configPath = resolve(process.argv[2] ?? SUPERGRAPH_YAML);
  const out = resolve(process.argv[3] ?? SUPERGRAPH_SDL);
  const result = composeFromConfig(configPath);
  if (!result.ok) {
    console.error(`composition failed:\n${result.errors.map((e) => `  - ${e}`).join('\n')}`);
    process.exit(1);
  }
  writeFileSync(out, result.supergraphSdl);
  console.log(`wrote ${out}`);
}
