import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The signed caller context that the gateway (for users) and services (for service calls) attach
 * to every request to a subgraph. A subgraph trusts nothing else: a client that reaches a
 * subgraph's port directly has no secret and so cannot pose as a user or a service.
 */
export const CONTEXT_HEADER = 'x-looklook-context';
const MAX_AGE_MS = 5 * 60_000;

export interface CallerContext {
  /** The signed-in user the gateway verified, if any. */
  userId?: string;
  /** Set on service-to-service calls (for example `order` reserving nights). */
  service?: string;
  requestId?: string;
  /**
   * The client's address as the gateway determined it (per-address limits in the services):
   * signed, so a client cannot choose it with a header of its own.
   */
  clientIp?: string;
}

const mac = (payload: string, secret: string) => createHmac('sha256', secret).update(payload).digest('base64url');

export function signContext(ctx: CallerContext, secret: string, now = Date.now()): string {
  const payload = Buffer.from(JSON.stringify({ ...ctx, iat: now })).toString('base64url');
  return `${payload}.${mac(payload, secret)}`;
}

/** Returns the context, or null when the header is missing, forged, malformed or stale. */
export function verifyContext(header: string | undefined, secret: string, now = Date.now()): CallerContext | null {
  if (!header) return null;
  const dot = header.indexOf('.');
  if (dot <= 0) return null;
  const payload = header.slice(0, dot);
  const given = Buffer.from(header.slice(dot + 1));
  const expected = Buffer.from(mac(payload, secret));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const { iat, userId, service, requestId, clientIp } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (typeof iat !== 'number' || Math.abs(now - iat) > MAX_AGE_MS) return null;
    return {
      userId: typeof userId === 'string' ? userId : undefined,
      service: typeof service === 'string' ? service : undefined,
      requestId: typeof requestId === 'string' ? requestId : undefined,
      clientIp: typeof clientIp === 'string' ? clientIp : undefined,
    };
  } catch {
    return null;
  }
}
