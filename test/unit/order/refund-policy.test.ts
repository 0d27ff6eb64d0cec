import { describe, expect, it } from 'vitest';
import { startOfDayIn } from '../../../lib/dates.js';
import { refundAmount } from '../../../subgraphs/order/refund-policy.js';

const MS = 1;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('startOfDayIn', () => {
  it('is the local midnight of the day in the zone', () => {
    expect(startOfDayIn('2027-03-10', 'Asia/Shanghai').toISOString()).toBe('2027-03-09T16:00:00.000Z');
    expect(startOfDayIn('2027-03-10', 'UTC').toISOString()).toBe('2027-03-10T00:00:00.000Z');
    // Summer and winter time of one zone, and the day its clocks go forward (at 2:00, after midnight).
    expect(startOfDayIn('2027-07-01', 'America/New_York').toISOString()).toBe('2027-07-01T04:00:00.000Z');
    expect(startOfDayIn('2027-01-15', 'America/New_York').toISOString()).toBe('2027-01-15T05:00:00.000Z');
    expect(startOfDayIn('2027-03-14', 'America/New_York').toISOString()).toBe('2027-03-14T05:00:00.000Z');
    expect(startOfDayIn('2027-03-15', 'America/New_York').toISOString()).toBe('2027-03-15T04:00:00.000Z');
    // East of Shanghai across the date line.
    expect(startOfDayIn('2027-01-01', 'Pacific/Kiritimati').toISOString()).toBe('2026-12-31T10:00:00.000Z');
  });
});

/** The refund of `total` for a stay starting on `day`, asked `before` ms before that day starts in `tz`. */
const at = (policy: Parameters<typeof refundAmount>[0], total: number, day: string, before: number, tz = 'Asia/Shanghai') =>
  refundAmount(policy, total, day, new Date(startOfDayIn(day, tz).getTime() - before), tz);

describe('refundAmount', () => {
  const day = '2027-05-20';

  it('FLEXIBLE: everything until exactly 24 h before check-in day starts, nothing a moment later', () => {
    expect(at('FLEXIBLE', 10001, day, 30 * DAY)).toBe(10001);
    expect(at('FLEXIBLE', 10001, day, DAY)).toBe(10001);
    expect(at('FLEXIBLE', 10001, day, DAY - MS)).toBe(0);
    expect(at('FLEXIBLE', 10001, day, HOUR)).toBe(0);
    expect(at('FLEXIBLE', 10001, day, 0)).toBe(0);
    expect(at('FLEXIBLE', 10001, day, -2 * DAY)).toBe(0);
  });

  it('an order booked before policies (null) is FLEXIBLE', () => {
    expect(at(null, 5000, day, DAY)).toBe(5000);
    expect(at(null, 5000, day, DAY - MS)).toBe(0);
  });

  it('MODERATE: everything until exactly 5 days before, half (rounded down) after, nothing once check-in day started', () => {
    expect(at('MODERATE', 10001, day, 9 * DAY)).toBe(10001);
    expect(at('MODERATE', 10001, day, 5 * DAY)).toBe(10001);
    expect(at('MODERATE', 10001, day, 5 * DAY - MS)).toBe(5000);
    expect(at('MODERATE', 10001, day, 2 * DAY)).toBe(5000);
    expect(at('MODERATE', 10001, day, MS)).toBe(5000);
    expect(at('MODERATE', 10001, day, 0)).toBe(0);
    expect(at('MODERATE', 10001, day, -HOUR)).toBe(0);
  });

  it('STRICT: half (rounded down) until exactly 7 days before, nothing after', () => {
    expect(at('STRICT', 10001, day, 60 * DAY)).toBe(5000);
    expect(at('STRICT', 10001, day, 7 * DAY)).toBe(5000);
    expect(at('STRICT', 10001, day, 7 * DAY - MS)).toBe(0);
    expect(at('STRICT', 10001, day, 3 * DAY)).toBe(0);
    expect(at('STRICT', 1, day, 8 * DAY)).toBe(0);
    expect(at('STRICT', 3, day, 8 * DAY)).toBe(1);
  });

  it('nothing of nothing', () => {
    for (const p of ['FLEXIBLE', 'MODERATE', 'STRICT'] as const) expect(at(p, 0, day, 30 * DAY)).toBe(0);
  });

  it('counts from midnight in the platform zone, not in UTC', () => {
    // 2027-05-20 starts at 2027-05-19T16:00Z in Shanghai; at 2027-05-18T16:00Z exactly 24 h are left.
    expect(refundAmount('FLEXIBLE', 800, day, new Date('2027-05-18T16:00:00.000Z'), 'Asia/Shanghai')).toBe(800);
    expect(refundAmount('FLEXIBLE', 800, day, new Date('2027-05-18T16:00:00.001Z'), 'Asia/Shanghai')).toBe(0);
    // The same instant in UTC still leaves more than a day.
    expect(refundAmount('FLEXIBLE', 800, day, new Date('2027-05-18T16:00:00.001Z'), 'UTC')).toBe(800);
  });

  it('holds in another zone, with the boundaries at its own midnight', () => {
    const tz = 'America/New_York';
    expect(at('FLEXIBLE', 10001, day, DAY, tz)).toBe(10001);
    expect(at('FLEXIBLE', 10001, day, DAY - MS, tz)).toBe(0);
    expect(at('MODERATE', 10001, day, 5 * DAY, tz)).toBe(10001);
    expect(at('MODERATE', 10001, day, 5 * DAY - MS, tz)).toBe(5000);
    expect(at('MODERATE', 10001, day, 0, tz)).toBe(0);
    expect(at('STRICT', 10001, day, 7 * DAY, tz)).toBe(5000);
    expect(at('STRICT', 10001, day, 7 * DAY - MS, tz)).toBe(0);
    // New York's midnight of the day is 2027-05-20T04:00Z: 23 h 59 min before it is short of a day.
    expect(refundAmount('FLEXIBLE', 800, day, new Date('2027-05-19T04:01:00Z'), tz)).toBe(0);
    expect(refundAmount('FLEXIBLE', 800, day, new Date('2027-05-19T04:00:00Z'), tz)).toBe(800);
  });
});
