import type express from 'express';
import { Queue } from 'bullmq';
import type { Admin } from 'kafkajs';
import { kafkaName } from '../lib/config.js';
import { createKafka, group, GROUPS, TOPICS } from '../lib/kafka.js';
import { initMetrics, metricsHandler, registerKafkaLag, registerQueues } from '../lib/metrics.js';
import { closeReadiness, kafkaCheck, mysqlCheck, readyzHandler, redisCheck } from '../lib/readiness.js';
import { createRedis } from '../lib/redis.js';
import { QUEUES } from '../contracts/queues.js';
import { queueOptions } from '../lib/queues.js';

/**
 * The jobs process's /metrics (queue counts of every queue in jobs/queues.ts, consumer lag of
 * every group in lib/kafka.ts) and /readyz (MySQL, Redis and Kafka).
 */
export function mountJobsOps(app: express.Express): { close(): Promise<void> } {
  initMetrics('jobs');
  const connection = createRedis();
  connection.on('error', () => undefined);
  const queues = Object.values(QUEUES).map((name) => new Queue(name, queueOptions(connection)));
  registerQueues(queues);

  // Kafka lag of each consumer group on the topic of the same key (GROUPS.x consumes TOPICS.x).
  let admin: Admin | undefined;
  let connected: Promise<void> | undefined;
  const lazyAdmin = () => {
    admin ??= createKafka('jobs-metrics').admin();
    connected ??= admin.connect().catch((err) => {
      connected = undefined;
      throw err;
    });
    return connected.then(() => admin!);
  };
  for (const key of Object.keys(GROUPS) as Array<keyof typeof GROUPS>) {
    const t = kafkaName(TOPICS[key as keyof typeof TOPICS] ?? key);
    registerKafkaLag(lazyAdmin, group(key), t);
  }

  app.get('/metrics', metricsHandler());
  app.get('/readyz', readyzHandler({ mysql: mysqlCheck, redis: redisCheck, kafka: kafkaCheck }, { service: 'jobs' }));
  return {
    close: async () => {
      await Promise.all(queues.map((q) => q.close().catch(() => undefined)));
      connection.disconnect();
      await admin?.disconnect().catch(() => undefined);
      await closeReadiness();
    },
  };
}
