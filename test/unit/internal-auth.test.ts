import { describe, expect, it } from 'vitest';
import { signContext, verifyContext } from '../../lib/internal-auth.js';

describe('signed caller context', () => {
  const secret = 'unit-secret';
  it('round-trips the user and service', () => {
    expect(verifyContext(signContext({ userId: '42', service: 'order', requestId: 'r1' }, secret), secret)).toEqual({
      userId: '42',
      service: 'order',
      requestId: 'r1',
    });
  });
  it('refuses a wrong secret, a tampered payload, garbage and a stale signature', () => {
    const good = signContext({ userId: '42' }, secret);
    expect(verifyContext(good, 'other')).toBeNull();
    const [, sig] = good.split('.');
    const evil = Buffer.from(JSON.stringify({ userId: '1', iat: Date.now() })).toString('base64url');
    expect(verifyContext(`${evil}.${sig}`, secret)).toBeNull();
    expect(verifyContext('garbage', secret)).toBeNull();
    expect(verifyContext(undefined, secret)).toBeNull();
    expect(verifyContext(signContext({ userId: '42' }, secret, Date.now() - 10 * 60_000), secret)).toBeNull();
  });
});
