import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';

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

  it('has one service per process, each starting an entry file that exists', () => {
    for (const name of ['user', 'homestay', 'order', 'payment', 'jobs', 'gateway']) {
      const command: string[] = compose.services[name].command;
      const entry = command.at(-1)!;
      expect(existsSync(ROOT + entry), `${name}: ${entry}`).toBe(true);
      expect(compose.services[name].environment.MYSQL_URL).toContain('mysql:3306');
      expect(compose.services[name].environment.KAFKA_BROKERS).toBe('kafka:9092');
    }
    expect(compose.services.gateway.ports).toContain('4000:4000');
  });

  it('lets the subgraphs and jobs listen beyond loopback, since other containers call them', () => {
    for (const name of ['user', 'homestay', 'order', 'payment', 'jobs']) expect(compose.services[name].environment.HOST, name).toBe('0.0.0.0');
    expect(compose.services.gateway.environment.GATEWAY_HOST ?? '0.0.0.0').toBe('0.0.0.0');
  });
});
