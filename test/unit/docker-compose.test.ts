import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { PROCESS_ENTRIES } from '../../scripts/processes.js';

/** No Docker engine runs here, so check what can be checked: structure, entries and wiring. */
const ROOT = new URL('../../', import.meta.url).pathname;
const compose = YAML.parse(readFileSync(`${ROOT}docker-compose.yml`, 'utf8'), { merge: true });

describe('docker-compose.yml', () => {
  it('runs MySQL 8, Redis 7 and Kafka in KRaft mode', () => {
    expect(compose.services.mysql.image).toMatch(/^mysql:8/);
    expect(compose.services.redis.image).toMatch(/^redis:7/);
    expect(compose.services.kafka.image).toMatch(/^apache\/kafka:/);
    expect(compose.services.kafka.environment.KAFKA_PROCESS_ROLES).toBe('broker,controller');
  });

  it('has one service per process, each running the image with that process name', () => {
    for (const name of Object.keys(PROCESS_ENTRIES) as (keyof typeof PROCESS_ENTRIES)[]) {
      expect(compose.services[name].build, name).toBe('.');
      expect(compose.services[name].command, name).toEqual([name]);
      expect(existsSync(`${ROOT}${PROCESS_ENTRIES[name]}.ts`), name).toBe(true);
      expect(compose.services[name].environment.MYSQL_URL).toContain('mysql:3306');
      expect(compose.services[name].environment.KAFKA_BROKERS).toBe('kafka:9092');
    }
    expect(compose.services.gateway.ports).toContain('4000:4000');
  });

  it('migrates and seeds with the compiled one-shot tasks before any process starts', () => {
    expect(compose.services.migrate.entrypoint.join(' ')).toMatch(/node dist\/scripts\/run\.js migrate && node dist\/scripts\/run\.js seed/);
    for (const name of Object.keys(PROCESS_ENTRIES)) {
      expect(compose.services[name].depends_on.migrate.condition, name).toBe('service_completed_successfully');
    }
    // The gateway loads the subgraphs' schemas at start: it waits until their HEALTHCHECK passes.
    for (const name of ['user', 'homestay', 'order', 'payment']) expect(compose.services.gateway.depends_on[name].condition).toBe('service_healthy');
  });

  it('lets the subgraphs and jobs listen beyond loopback, since other containers call them', () => {
    for (const name of ['user', 'homestay', 'order', 'payment', 'jobs']) expect(compose.services[name].environment.HOST, name).toBe('0.0.0.0');
    expect(compose.services.gateway.environment.GATEWAY_HOST ?? '0.0.0.0').toBe('0.0.0.0');
  });
});
