import type express from 'express';
import type { RateLimit } from '../lib/rate-limits.js';
import { requestAddress } from './client-address.js';

/**
 * RATE_LIMIT_IP_PER_MINUTE over HTTP, before the body is read: past it, 429 with Retry-After and
 * the GraphQL error body clients already handle (RATE_LIMITED, extensions.retryAfter). The body
 * is written as JSON, not built as a GraphQLError: a flood is refused at the cost of a Redis call.
 */
export function ipRateLimit(limit: RateLimit): express.RequestHandler {
  if (!limit.enabled) return (_req, _res, next) => next();
  return async (req, res, next) => {
    const retryAfter = await limit.take(requestAddress(req));
    if (!retryAfter) return next();
    res
      .status(429)
      .set('retry-after', String(retryAfter))
      .json({ errors: [{ message: limit.message(retryAfter), extensions: { code: 'RATE_LIMITED', retryAfter } }] });
  };
}
