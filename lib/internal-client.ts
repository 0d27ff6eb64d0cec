import { randomUUID } from 'node:crypto';
import { Agent } from 'undici';
import { config, type ServiceName } from './config.js';
import { CONTEXT_HEADER, signContext } from './internal-auth.js';
import { domainError, type ErrorCode } from './errors.js';
import { SpanKind, childSpan, currentContext, endSpan, traceCarrier } from './request-context.js';

/**
 * One keep-alive pool for every internal call of the process. undici's request() rather than the
 * global fetch: fetch wraps every body in WHATWG streams (made transferable one by one), which
 * cost as much CPU as the rest of a short internal call (the booking profile, issue 15). Idle
 * sockets close before the callee's keep-alive timeout (Node's default 5 s), so a call is never
 * written to a socket being closed.
 */
const agent = new Agent({ keepAliveTimeout: 4_000, keepAliveMaxTimeout: 60_000, keepAliveTimeoutThreshold: 2_000, connections: 64, pipelining: 1 });
const TIMEOUT_MS = 10_000;

/** A failure of the callee that is not a domain answer: worth retrying later. */
export class ServiceUnavailableError extends Error {}

/**
 * Calls another service's /internal route with the service credential. A domain refusal from the
 * callee (SOLD_OUT, NOT_FOUND, …) comes back as the same GraphQL error; anything else is a
 * ServiceUnavailableError.
 */
export async function callService<T>(
  from: string,
  to: ServiceName,
  path: string,
  body: unknown,
  requestId: string = currentContext()?.requestId ?? randomUUID(),
): Promise<T> {
  const cfg = config();
  const span = childSpan(`call ${to} ${path}`, SpanKind.CLIENT);
  try {
    let status: number;
    let payload: { error?: { code: ErrorCode; message: string; argumentName?: string } } & T;
    try {
      const url = new URL(`${cfg.urls[to]}/internal${path}`);
      const res = await agent.request({
        origin: url.origin,
        path: url.pathname,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [CONTEXT_HEADER]: signContext({ service: from, requestId }, cfg.internalSecret),
          traceparent: traceCarrier(span).traceparent,
        },
        body: JSON.stringify(body),
        headersTimeout: TIMEOUT_MS,
        bodyTimeout: TIMEOUT_MS,
      });
      status = res.statusCode;
      payload = (await res.body.json().catch(() => ({}))) as typeof payload;
    } catch (err) {
      throw new ServiceUnavailableError(`${to} service unreachable: ${(err as Error).message}`);
    }
    if (status >= 200 && status < 300) {
      endSpan(span);
      return payload;
    }
    if (payload.error?.code && status < 500) {
      const { code, message, argumentName } = payload.error;
      throw domainError(code, message, typeof argumentName === 'string' ? { argumentName } : {});
    }
    throw new ServiceUnavailableError(`${to} service answered ${status}`);
  } catch (err) {
    endSpan(span, err);
    throw err;
  }
}

const STATUS: Record<string, number> = { BAD_USER_INPUT: 400, NOT_FOUND: 404, CONFLICT: 409, SOLD_OUT: 409, FORBIDDEN: 403 };

/**
 * Wraps an internal route handler: domain errors become `{ error: { code, message, argumentName? } }`
 * replies (argumentName: the request field a BAD_USER_INPUT names).
 */
export function internalHandler<B>(handle: (body: B) => Promise<unknown>) {
  return async (req: { body: B }, res: { status(n: number): { json(b: unknown): void }; json(b: unknown): void }) => {
    try {
      res.json(await handle(req.body));
    } catch (err) {
      const { code, argumentName } = (err as { extensions?: { code?: string; argumentName?: unknown } }).extensions ?? {};
      if (code && STATUS[code]) {
        res.status(STATUS[code]).json({ error: { code, message: (err as Error).message, ...(typeof argumentName === 'string' ? { argumentName } : {}) } });
      } else {
        res.status(500).json({ error: { code: 'INTERNAL', message: 'internal error' } });
      }
    }
  };
}
