import { dropDatabase } from '../../lib/database.js';
import { SERVICES } from '../../lib/config.js';
import { createRedis } from '../../lib/redis.js';
import { createKafka } from '../../lib/kafka.js';

/** Drops a test run's databases, Redis keys and Kafka topics (the namespace must be a test one). */
export async function cleanupNamespace(namespace: string): Promise<void> {
  if (!namespace.startsWith('t')) throw new Error(`refusing to clean non-test namespace ${namespace}`);
  process.env.NAMESPACE = namespace;
  for (const s of SERVICES) await dropDatabase(s).catch(() => undefined);
  const redis = createRedis();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  const admin = createKafka('test-cleanup').admin();
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${namespace}.`));
    if (topics.length) await admin.deleteTopics({ topics });
  } catch {
    // a missing broker leaves nothing to clean
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
