import { describe, expect, it } from 'vitest';
import { inParts } from '../../../subgraphs/order/mq/notifier.js';

/** The notifier's batches go to the user service under its 100 kB body limit: parts of at most N bytes. */
describe('the notifier splits a batch of deliveries into calls of bounded size', () => {
  const delivery = (userId: string, bodyBytes: number) => ({ userId, messages: [{ kind: 'pay-success', dedupeKey: `k:${userId}`, title: 't', body: 'x'.repeat(bodyBytes) }] });
  const bytes = (part: unknown[]) => part.reduce<number>((n, d) => n + Buffer.byteLength(JSON.stringify(d)), 0);

  it('keeps every delivery, in order, each part within the limit', () => {
    const deliveries = Array.from({ length: 12 }, (_, i) => delivery(String(i), 9_000));
    const parts = inParts(deliveries, 64 * 1024);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.flat()).toEqual(deliveries);
    for (const p of parts) expect(bytes(p)).toBeLessThanOrEqual(64 * 1024);
  });

  it('sends small deliveries together and one larger than the limit alone', () => {
    const small = [delivery('1', 100), delivery('2', 100)];
    expect(inParts(small, 64 * 1024)).toEqual([small]);
    const big = delivery('3', 70_000);
    expect(inParts([...small, big, delivery('4', 100)], 64 * 1024)).toEqual([small, [big], [delivery('4', 100)]]);
  });
});
