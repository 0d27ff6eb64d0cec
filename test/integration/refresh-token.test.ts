import { SignJWT } from 'jose';
import mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { errorCode, gql, signUp, testNamespace } from '../support/gql.js';

const REFRESH = `mutation { refreshToken { accessToken accessExpire refreshAfter user { id mobile } } }`;
const ME = `{ me { id } }`;
const key = new TextEncoder().encode(process.env.JWT_ACCESS_SECRET ?? 'looklook-dev-access-secret-change-me');
const now = () => Math.floor(Date.now() / 1000);

/** A token of the platform's shape, issued and expiring when told (seconds from now). */
const tokenFor = (userId: string, issuedAgo: number, expiresIn: number) =>
  new SignJWT({ jwtUserId: userId }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt(now() - issuedAgo).setExpirationTime(now() + expiresIn).sign(key);

async function userDb<T>(fn: (db: mysql.Connection) => Promise<T>): Promise<T> {
  const db = await mysql.createConnection({ uri: process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306', database: `${testNamespace()}_user` });
  try {
    return await fn(db);
  } finally {
    await db.end();
  }
}

describe('refreshToken', () => {
  it('gives a token near the end of its life a new full lifetime, and the new token works', async () => {
    const { userId, mobile } = await signUp();
    const old = await tokenFor(userId, 7 * 24 * 3600 - 600, 600);
    const r = await gql(REFRESH, {}, { token: old });
    expect(r.errors).toBeUndefined();
    const payload = r.data.refreshToken;
    expect(payload.user).toEqual({ id: userId, mobile });
    expect(payload.accessToken).not.toBe(old);
    const lifetime = Date.parse(payload.accessExpire) - Date.now();
    expect(lifetime).toBeGreaterThan(6 * 24 * 3600_000);
    expect(Math.abs(Date.parse(payload.refreshAfter) - Date.now() - lifetime / 2)).toBeLessThan(5_000);
    expect((await gql(ME, {}, { token: payload.accessToken })).data.me).toEqual({ id: userId });
  });

  it('is UNAUTHENTICATED without a token, with an expired one, and for a deleted user', async () => {
    const { userId, token } = await signUp();
    const none = await gql(REFRESH);
    expect(errorCode(none)).toBe('UNAUTHENTICATED');
    expect(none.data?.refreshToken ?? null).toBeNull();
    const expired = await gql(REFRESH, {}, { token: await tokenFor(userId, 7200, -60) });
    expect(errorCode(expired)).toBe('UNAUTHENTICATED');
    expect(expired.data?.refreshToken ?? null).toBeNull();

    await userDb((db) => db.query('update `user` set del_state = 1 where id = ?', [userId]));
    const deleted = await gql(REFRESH, {}, { token });
    expect(errorCode(deleted)).toBe('UNAUTHENTICATED');
    expect(deleted.data?.refreshToken ?? null).toBeNull();
  });
});
