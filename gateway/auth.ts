import { bearerToken, verifyAccessToken } from '../lib/jwt.js';
import { unauthenticated, withHttpStatus } from '../lib/errors.js';

/**
 * The user of a request: null without a token (public queries work anonymously); a malformed,
 * forged or expired token is refused outright rather than silently treated as anonymous.
 */
export async function userFromAuthorization(header: string | undefined | null): Promise<string | null> {
  const token = bearerToken(header);
  if (!token) return null;
  try {
    return await verifyAccessToken(token);
  } catch {
    throw withHttpStatus(unauthenticated('invalid or expired access token'));
  }
}
