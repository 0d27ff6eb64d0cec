import { createRequire } from 'node:module';
import type { Kafka, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

/**
 * kafkajs's request queue left alone (lib/kafkajs-idle-fix.ts): against the real broker, an idle
 * producer's connections stop checking their empty queues every millisecond, and the producer
 * still sends afterwards.
 */
const require = createRequire(import.meta.url);
const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as { prototype: { checkPendingRequests(): void } };

let kafka: Kafka;
let producer: Producer;
let topicName: string;
let fixed: boolean;

beforeAll(async () => {
  process.env.NAMESPACE = `${inject('namespace')}ki`;
  const k = await import('../../lib/kafka.js');
  fixed = k.kafkajsIdleLoopFixed;
  kafka = k.createKafka('kafkajs-idle-test');
  topicName = `${process.env.NAMESPACE}.kafkajs-idle`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: topicName, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
  producer = kafka.producer();
  await producer.connect();
});

afterAll(async () => {
  await producer?.disconnect();
  const admin = kafka?.admin();
  if (!admin) return;
  await admin.connect();
  await admin.deleteTopics({ topics: [topicName] }).catch(() => undefined);
  await admin.disconnect();
});

describe('kafkajs request queue', () => {
  it('is patched for the installed kafkajs (a new version needs the fix checked again)', () => {
    expect(fixed).toBe(true);
  });

  it('an idle producer does not re-check its empty queues every millisecond, and still sends', async () => {
    await producer.send({ topic: topicName, acks: -1, messages: [{ value: 'first' }] });
    const original = RequestQueue.prototype.checkPendingRequests;
    let checks = 0;
    RequestQueue.prototype.checkPendingRequests = function (this: unknown) {
      checks++;
      return original.call(this);
    };
    try {
      await new Promise((r) => setTimeout(r, 500));
      // Unfixed: one check per millisecond per connection that has had a response (≥ 400 here).
      expect(checks).toBeLessThan(20);
      const sent = await producer.send({ topic: topicName, acks: -1, messages: [{ value: 'second' }] });
      expect(sent[0]?.errorCode).toBe(0);
      expect(Number(sent[0]?.baseOffset)).toBe(1);
    } finally {
      RequestQueue.prototype.checkPendingRequests = original;
    }
  });
});
