import { SignJWT, jwtVerify } from 'jose';
import { LRUCache } from 'lru-cache';
import { config } from './config.js';

// Imported once per secret: jose would import raw bytes into a Web Crypto key at every sign and
// verify, and the gateway verifies at every socket connect and subscribe.
let imported: { secret: string; key: Promise<CryptoKey> } | undefined;
const key = (): Promise<CryptoKey> => {
  const secret = config().accessSecret;
  if (imported?.secret !== secret) {
    const raw = new TextEncoder().encode(secret);
    imported = { secret, key: crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']) };
  }
  return imported.key;
};

export interface IssuedToken {
  accessToken: string;
  accessExpire: Date;
  /** looklook's refreshAfter: half the lifetime, when a client should fetch a new token. */
  refreshAfter: Date;
}

/** HS256 access token with looklook's `jwtUserId` claim. */
export async function issueAccessToken(userId: string, now = Date.now()): Promise<IssuedToken> {
  const lifetime = config().accessExpireSeconds;
  const iat = Math.floor(now / 1000);
  const accessToken = await new SignJWT({ jwtUserId: userId })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt(iat)
    .setExpirationTime(iat + lifetime)
    .sign(await key());
  return {
    accessToken,
    accessExpire: new Date((iat + lifetime) * 1000),
    refreshAfter: new Date((iat + lifetime / 2) * 1000),
  };
}

/**
 * Tokens already verified, by their text, with the secret they were verified with. A client sends
 * the same token with every request for hours; checking its signature again each time through Web
 * Crypto was the largest single cost of the gateway on `me` (the profile of issue 15). A token's
 * validity depends only on its bytes, the secret and the clock, so a hit still checks `exp`; a
 * forged or malformed token is never cached. Bounded, least recently used first out.
 */
const verified = new LRUCache<string, { secret: string; userId: string; expMs: number }>({ max: 10_000 });

/**
 * The user id of a valid token; throws on a malformed, forged or expired one, and on one without
 * `exp`: jose would accept that forever, so a leaked one could never be outlived.
 */
export async function verifyAccessToken(token: string): Promise<string> {
  const secret = config().accessSecret;
  const hit = verified.get(token);
  if (hit && hit.secret === secret && Date.now() < hit.expMs) return hit.userId;
  const { payload } = await jwtVerify(token, await key(), { algorithms: ['HS256'], requiredClaims: ['exp'] });
  const id = payload.jwtUserId;
  if (typeof id !== 'string' || !/^\d+$/.test(id)) throw new Error('token has no jwtUserId');
  verified.set(token, { secret, userId: id, expMs: payload.exp! * 1000 });
  return id;
}

/** Reads `Bearer <token>`; returns undefined when there is no token at all. */
export function bearerToken(header: string | undefined | null): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  return m ? m[1] : header.trim();
}
