import { describe, expect, it } from 'vitest';
import { loadConfig, parseDuration } from '../../lib/config.js';
import { decodeCursor, encodeCursor, pageSize } from '../../lib/connection.js';

describe('configuration', () => {
  it('parses durations', () => {
    expect(parseDuration('2s', 'X')).toBe(2000);
    expect(parseDuration('30m', 'X')).toBe(1_800_000);
    expect(parseDuration('1500', 'X')).toBe(1500);
    expect(() => parseDuration('soon', 'X')).toThrow(/X must be a duration/);
  });
  it('refuses development secrets in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/PAYMENT_SANDBOX_SECRET/);
    const cfg = loadConfig({ NODE_ENV: 'production', JWT_ACCESS_SECRET: 'a', INTERNAL_SECRET: 'b', PAYMENT_SANDBOX_SECRET: 'c' });
    expect(cfg.playgroundEnabled).toBe(false);
  });
});

describe('connection cursors', () => {
  it('round-trips and refuses malformed cursors naming the argument', () => {
    expect(decodeCursor(encodeCursor([5, 'x']), 2)).toEqual([5, 'x']);
    expect(() => decodeCursor('not-a-cursor', 2)).toThrow(/after is not a valid cursor/);
    expect(() => decodeCursor(encodeCursor([1]), 2)).toThrow(/after/);
    expect(() => pageSize(0)).toThrow(/first must be between 1 and 100/);
    expect(() => pageSize(101)).toThrow(/first/);
    expect(pageSize(undefined)).toBe(20);
  });
});
