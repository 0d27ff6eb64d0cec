import { randomUUID } from 'node:crypto';
import { config, type ServiceName } from './config.js';
import { CONTEXT_HEADER, signContext } from './internal-auth.js';
import { domainError, type ErrorCode } from './errors.js';
import { SpanKind, childSpan, currentContext, endSpan, traceCarrier } from './request-context.js';

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
    let res: Response;
    try {
      res = await fetch(`${cfg.urls[to]}/internal${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [CONTEXT_HEADER]: signContext({ service: from, requestId }, cfg.internalSecret),
          traceparent: traceCarrier(span).traceparent,
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      throw new ServiceUnavailableError(`${to} service unreachable: ${(err as Error).message}`);
    }
    const payload = (await res.json().catch(() => ({}))) as { error?: { code: ErrorCode; message: string } } & T;
    if (res.ok) {
      endSpan(span);
      return payload;
    }
    if (payload.error?.code && res.status < 500) throw domainError(payload.error.code, payload.error.message);
    throw new ServiceUnavailableError(`${to} service answered ${res.status}`);
  } catch (err) {
    endSpan(span, err);
    throw err;
  }
}

const STATUS: Record<string, number> = { BAD_USER_INPUT: 400, NOT_FOUND: 404, CONFLICT: 409, SOLD_OUT: 409, FORBIDDEN: 403 };

/** Wraps an internal route handler: domain errors become `{ error: { code, message } }` replies. */
export function internalHandler<B>(handle: (body: B) => Promise<unknown>) {
  return async (req: { body: B }, res: { status(n: number): { json(b: unknown): void }; json(b: unknown): void }) => {
    try {
      res.json(await handle(req.body));
    } catch (err) {
      const code = (err as { extensions?: { code?: string } }).extensions?.code;
      if (code && STATUS[code]) {
        res.status(STATUS[code]).json({ error: { code, message: (err as Error).message } });
      } else {
        res.status(500).json({ error: { code: 'INTERNAL', message: 'internal error' } });
      }
    }
  };
}
