import { UnrecoverableError, type Job } from 'bullmq';
import type express from 'express';
import { z } from 'zod';
import type { ServiceName } from './config.js';
import { badInput } from './errors.js';
import { ServiceUnavailableError, callService, internalHandler } from './internal-client.js';

/**
 * What crosses a service boundary is declared once, in contracts/, as a zod schema: the schema
 * gives both sides the type, and the receiving side validates with it. These helpers are the only
 * places that parse, so a malformed message gets the same clear error everywhere:
 * - an internal route's request: BAD_USER_INPUT naming the field (HTTP 400, not retried);
 * - an internal route's reply: ServiceUnavailableError (the caller retries later, as for a 5xx);
 * - a message (Kafka, Redis): null, which the consumer logs and skips;
 * - a queued job's data: the job fails at once, without retries (BullMQ's UnrecoverableError).
 */
export interface Route<Req extends z.ZodType, Rep extends z.ZodType> {
  /** The service that serves it, under /internal. */
  service: ServiceName;
  path: string;
  request: Req;
  reply: Rep;
}

export function route<Req extends z.ZodType, Rep extends z.ZodType>(service: ServiceName, path: string, request: Req, reply: Rep): Route<Req, Rep> {
  return { service, path, request, reply };
}

export type RequestOf<R> = R extends Route<infer Req, z.ZodType> ? z.input<Req> : never;
export type ReplyOf<R> = R extends Route<z.ZodType, infer Rep> ? z.output<Rep> : never;

/** The first issue, as BAD_USER_INPUT naming its field (the top-level one, as clients see it). */
export function inputError(error: z.ZodError, fallback = 'body') {
  const issue = error.issues[0];
  const field = issue?.path.length ? String(issue.path[0]) : fallback;
  return badInput(field, issue ? `${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}` : 'malformed request');
}

/** Calls a route of another service; the reply is checked against the contract. */
export async function call<Req extends z.ZodType, Rep extends z.ZodType>(
  from: string,
  r: Route<Req, Rep>,
  body: z.input<Req>,
  requestId?: string,
): Promise<z.output<Rep>> {
  const payload = await callService<unknown>(from, r.service, r.path, body, requestId);
  const parsed = r.reply.safeParse(payload);
  if (!parsed.success) throw new ServiceUnavailableError(`${r.service} ${r.path} replied outside its contract: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** Serves a route: the handler receives the parsed request, or the caller gets BAD_USER_INPUT. */
export function serve<Req extends z.ZodType, Rep extends z.ZodType>(
  router: express.Router,
  r: Route<Req, Rep>,
  handle: (body: z.output<Req>) => Promise<z.input<Rep>>,
): void {
  router.post(
    r.path,
    internalHandler(async (body: unknown) => {
      const parsed = r.request.safeParse(body ?? {});
      if (!parsed.success) throw inputError(parsed.error);
      return handle(parsed.data);
    }),
  );
}

/** Parses a message (a Kafka value, a Redis pub/sub message, a job's data); malformed is null. */
export function parseMessage<S extends z.ZodType>(schema: S, raw: Buffer | string | null | undefined): z.output<S> | null {
  if (raw == null) return null;
  let value: unknown;
  try {
    value = JSON.parse(raw.toString());
  } catch {
    return null;
  }
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** Common field shapes. */
export const fields = {
  /** A database id, as the services send them: a decimal string. */
  id: z.string().regex(/^[1-9]\d{0,18}$/, 'must be an id'),
  /** An order or payment sn (or a reservation's). */
  sn: z.string().regex(/^[\w-]{1,64}$/, 'must be 1 to 64 letters, digits, _ or -'),
  /** An ISO 8601 instant. */
  instant: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 instant'),
  /** A calendar date, YYYY-MM-DD. */
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD'),
  /** An amount in cents. */
  cents: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
};

/** Wraps a BullMQ processor: it runs only on job data inside the contract. */
export function checkedJob<S extends z.ZodType, R>(schema: S, processor: (job: Job<z.output<S>>) => Promise<R>): (job: Job<z.output<S>>) => Promise<R> {
  return async (job) => {
    const parsed = schema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`job ${job.name} ${job.id} is outside its contract: ${z.prettifyError(parsed.error)}`);
    return processor(job);
  };
}
