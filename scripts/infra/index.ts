import { ensureKafka } from './kafka.js';
import { ensureMysql } from './mysql.js';
import { ensureRedis } from './redis.js';

export { InfraError } from './wait.js';

/** Finds or starts MySQL/MariaDB, Redis and Kafka; throws InfraError with one sentence when it cannot. */
export async function ensureInfra(log: (m: string) => void = (m) => console.log(`[infra] ${m}`)): Promise<void> {
  await Promise.all([ensureMysql(log), ensureRedis(log), ensureKafka(log)]);
}
