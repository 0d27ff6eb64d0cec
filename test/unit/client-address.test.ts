import type http from 'node:http';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config.js';
import { clientAddress } from '../../gateway/client-address.js';

/** An upgrade request as the WebSocket server sees it: never passed through express. */
const upgrade = (remoteAddress: string, forwardedFor?: string) =>
  ({ headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}, socket: { remoteAddress } }) as unknown as http.IncomingMessage;

function app(trustProxy?: string) {
  const a = express();
  a.set('trust proxy', loadConfig({ TRUST_PROXY: trustProxy }).trustProxy);
  return a;
}

describe('client address (TRUST_PROXY)', () => {
  it('is the peer by default, whatever X-Forwarded-For says', () => {
    expect(clientAddress(app(), upgrade('192.0.2.7', '203.0.113.9'))).toBe('192.0.2.7');
    expect(clientAddress(app(), upgrade('::ffff:192.0.2.7'))).toBe('192.0.2.7');
    expect(clientAddress(app(), upgrade('2001:db8::1'))).toBe('2001:db8::1');
  });
  it('is the address a trusted proxy reports, and only a trusted one', () => {
    expect(clientAddress(app('loopback'), upgrade('127.0.0.1', '203.0.113.9'))).toBe('203.0.113.9');
    expect(clientAddress(app('loopback'), upgrade('192.0.2.7', '203.0.113.9'))).toBe('192.0.2.7');
    // The client's own X-Forwarded-For entries stand before the proxy's: one hop takes the last one.
    expect(clientAddress(app('1'), upgrade('10.0.0.2', '198.51.100.1, 203.0.113.9'))).toBe('203.0.113.9');
    expect(clientAddress(app('10.0.0.0/8'), upgrade('10.0.0.2', '198.51.100.1, 203.0.113.9'))).toBe('203.0.113.9');
  });
});
