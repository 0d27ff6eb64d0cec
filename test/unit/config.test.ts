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
  it('caps unpaid orders per user at 3 by default and refuses a cap below 1', () => {
    expect(loadConfig({}).orderMaxUnpaidPerUser).toBe(3);
    expect(loadConfig({ ORDER_MAX_UNPAID_PER_USER: '10' }).orderMaxUnpaidPerUser).toBe(10);
    expect(() => loadConfig({ ORDER_MAX_UNPAID_PER_USER: '0' })).toThrow(/ORDER_MAX_UNPAID_PER_USER must be at least 1/);
    expect(() => loadConfig({ ORDER_MAX_UNPAID_PER_USER: 'many' })).toThrow(/ORDER_MAX_UNPAID_PER_USER/);
  });
  it('refuses development secrets in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/PAYMENT_SANDBOX_SECRET/);
    const cfg = loadConfig({ NODE_ENV: 'production', JWT_ACCESS_SECRET: 'a', INTERNAL_SECRET: 'b', PAYMENT_SANDBOX_SECRET: 'c' });
    expect(cfg.playgroundEnabled).toBe(false);
  });
  it('keeps subgraphs, jobs and the admin port on loopback unless told otherwise; the gateway public', () => {
    const cfg = loadConfig({});
    expect(cfg.host).toBe('127.0.0.1');
    expect(cfg.gatewayHost).toBe('0.0.0.0');
    expect(cfg.adminPort).toBeNull();
    expect(cfg.adminHost).toBe('127.0.0.1');
    const set = loadConfig({ HOST: '0.0.0.0', GATEWAY_HOST: '127.0.0.1', ADMIN_PORT: '9400', ADMIN_HOST: '10.0.0.5' });
    expect(set).toMatchObject({ host: '0.0.0.0', gatewayHost: '127.0.0.1', adminPort: 9400, adminHost: '10.0.0.5' });
  });
  it('refuses an ADMIN_PORT that is not a port or is the public one', () => {
    expect(() => loadConfig({ ADMIN_PORT: 'x' })).toThrow(/ADMIN_PORT/);
    expect(() => loadConfig({ ADMIN_PORT: '70000' })).toThrow(/ADMIN_PORT/);
    expect(() => loadConfig({ ADMIN_PORT: '4000' })).toThrow(/ADMIN_PORT.*GATEWAY_PORT/);
    expect(() => loadConfig({ HOST: ' ' })).toThrow(/HOST/);
  });
});

describe('rate limit settings', () => {
  it('has the contract defaults, 0 turning a limit off', () => {
    expect(loadConfig({})).toMatchObject({ rateLimitIpPerMinute: 1200, rateLimitAuthPerIp: 60, rateLimitLoginPerMobile: 10, rateLimitPayPerUser: 20, trustProxy: false });
    expect(loadConfig({ RATE_LIMIT_IP_PER_MINUTE: '0' }).rateLimitIpPerMinute).toBe(0);
    expect(() => loadConfig({ RATE_LIMIT_PAY_PER_USER: '-1' })).toThrow(/RATE_LIMIT_PAY_PER_USER/);
    expect(() => loadConfig({ RATE_LIMIT_AUTH_PER_IP: 'lots' })).toThrow(/RATE_LIMIT_AUTH_PER_IP/);
  });
  it('trusts X-Forwarded-For only from the proxies TRUST_PROXY names', () => {
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8,fd00::/8,192.0.2.1' }).trustProxy).toEqual(['loopback', '10.0.0.0/8', 'fd00::/8', '192.0.2.1']);
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY=true/);
    expect(() => loadConfig({ TRUST_PROXY: 'proxy.local' })).toThrow(/TRUST_PROXY/);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/33' })).toThrow(/TRUST_PROXY/);
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
