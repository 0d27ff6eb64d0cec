import { Kafka, logLevel } from 'kafkajs';
import { config, kafkaName } from './config.js';
// Before any client exists: every broker connection made through here gets the fixed request queue.
export { kafkajsIdleLoopFixed } from './kafkajs-idle-fix.js';

export const TOPICS = {
  paymentUpdatePayStatus: 'payment-update-paystatus',
} as const;

export const GROUPS = {
  paymentUpdatePayStatus: 'payment-update-paystatus-group',
} as const;

export function createKafka(clientId: string): Kafka {
  return new Kafka({
    clientId,
    brokers: config().kafkaBrokers,
    logLevel: logLevel.ERROR,
    retry: { initialRetryTime: 200, retries: 8 },
  });
}

/** Topic and group names inside the namespace (tests run in namespaces of their own). */
export const topic = (name: keyof typeof TOPICS) => kafkaName(TOPICS[name]);
export const group = (name: keyof typeof GROUPS) => kafkaName(GROUPS[name]);

/** Partitions of a platform topic: messages are keyed by order sn, so one order's stay in order. */
const PARTITIONS = 3;

/**
 * Creates the topic unless it exists, and waits until its partitions have leaders. Its producer
 * and its consumers both call it, whichever starts first, since the broker's auto-creation
 * (one partition) is not relied on.
 */
export async function ensureTopic(kafka: Kafka, name: keyof typeof TOPICS): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: topic(name), numPartitions: PARTITIONS }], waitForLeaders: true });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
