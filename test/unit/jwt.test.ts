import { afterEach, describe, expect, it, vi } from 'vitest';
import { issueAccessToken, verifyAccessToken } from '../../lib/jwt.js';

/** Verified tokens are remembered (lib/jwt.ts): remembering must never make a bad token good. */
describe('access token verification with its cache of verified tokens', () => {
  afterEach(() => vi.useRealTimers());

  it('accepts a token again, and refuses it once it has expired although it was verified before', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = new Date('2026-12-02T10:00:00Z');
    vi.setSystemTime(start);
    const { accessToken, accessExpire } = await issueAccessToken('42');
    expect(await verifyAccessToken(accessToken)).toBe('42');
    expect(await verifyAccessToken(accessToken)).toBe('42');
    vi.setSystemTime(new Date(accessExpire.getTime() - 1));
    expect(await verifyAccessToken(accessToken)).toBe('42');
    vi.setSystemTime(accessExpire);
    await expect(verifyAccessToken(accessToken)).rejects.toThrow();
  });

  it('refuses a token whose signature or claims were altered after the genuine one was verified', async () => {
    const { accessToken } = await issueAccessToken('7');
    expect(await verifyAccessToken(accessToken)).toBe('7');
    const [header, payload, signature] = accessToken.split('.') as [string, string, string];
    const otherUser = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), jwtUserId: '8' })).toString('base64url');
    await expect(verifyAccessToken(`${header}.${otherUser}.${signature}`)).rejects.toThrow();
    const flipped = signature.slice(0, -2) + (signature.endsWith('AA') ? 'BB' : 'AA');
    await expect(verifyAccessToken(`${header}.${payload}.${flipped}`)).rejects.toThrow();
  });
});
