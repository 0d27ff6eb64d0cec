import { describe, expect, it } from 'vitest';
import { brokerAnswers, ensureKafka } from '../../scripts/infra/kafka.js';

describe('infrastructure script', () => {
  it('reuses the Kafka broker that is already running instead of starting another', async () => {
    const messages: string[] = [];
    const brokers = await ensureKafka((m) => messages.push(m));
    expect(await brokerAnswers(brokers)).toBe(true);
    expect(messages.filter((m) => /started|fetching/.test(m))).toEqual([]);
  });
});
