import type express from 'express';
import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import { config } from './config.js';
import { isDomainError } from './errors.js';
import type { Logger } from './logger.js';
import { contextFromHeaders, currentContext, endSpan, runWithContext, type RequestContext } from './request-context.js';

/**
 * What every HTTP server of the product (the gateway and each subgraph) puts around its routes:
 * the request's span and context, the JSON error handler, the GraphQL error shape and the
 * one-line-per-operation log.
 */

declare module 'express-serve-static-core' {
  interface Request {
    requestContext?: RequestContext;
  }
}

/** The GraphQL error shape clients see: domain errors as they are, anything else masked in production. */
export function formatError(log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = (error as { originalError?: unknown })?.originalError ?? error;
    if (isDomainError(original) || formatted.extensions?.code !== 'INTERNAL_SERVER_ERROR') return formatted;
    log.error({ err: original }, 'unexpected error in resolver');
    if (!config().isProduction) return formatted;
    return { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' }, path: formatted.path };
  };
}

/**
 * Logs one line per GraphQL operation (with the request and trace ids from the log mixin), and
 * names the request's span after the operation.
 */
export function requestLogPlugin<C extends object>(log: Logger): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      const span = currentContext()?.span;
      const logging = log.isLevelEnabled('info');
      if (!logging && !span) return;
      const start = performance.now();
      return {
        async willSendResponse(rc) {
          span?.updateName(`graphql ${rc.operationName ?? 'anonymous'}`);
          if (!logging) return;
          const body = rc.response.body;
          const errors = body.kind === 'single' ? body.singleResult.errors : body.initialResult.errors;
          log.info(
            { operation: rc.operationName ?? null, errors: errors?.length ?? 0, ms: Math.round((performance.now() - start) * 10) / 10 },
            'graphql request',
          );
        },
      };
    },
  };
}

/** Ends the request's span once the response is out (a 5xx marks it failed). */
export function endSpanOnFinish(res: express.Response, ctx: RequestContext): void {
  if (!ctx.span) return;
  res.once('close', () => {
    ctx.span!.setAttribute('http.response.status_code', res.statusCode);
    endSpan(ctx, res.statusCode >= 500 ? new Error(`status ${res.statusCode}`) : undefined);
  });
}

/**
 * The last error handler of every HTTP app: a body that does not parse, or is too large, gets a
 * GraphQL-shaped JSON error with its code (not Express's HTML page with a stack); anything else
 * is logged and answered 500 without details.
 */
export function errorHandler(log: Logger): express.ErrorRequestHandler {
  return (err, _req, res, next) => {
    if (res.headersSent) return next(err);
    const e = err as { type?: string; status?: number; message?: string };
    if (e.type === 'entity.parse.failed') {
      res.status(400).json({ errors: [{ message: 'The request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] });
    } else if (e.type === 'entity.too.large') {
      res.status(413).json({ errors: [{ message: 'The request body is too large', extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
    } else if (e.status && e.status >= 400 && e.status < 500) {
      res.status(e.status).json({ errors: [{ message: 'Bad request', extensions: { code: 'BAD_REQUEST' } }] });
    } else {
      log.error({ err }, 'unhandled error in an HTTP handler');
      res.status(500).json({ errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    }
  };
}

/** Opens the request's SERVER span under the caller's trace and runs the rest inside its context. */
export function requestSpan(service: string): express.RequestHandler {
  return (req, res, next) => {
    req.requestContext = contextFromHeaders((h) => req.header(h), `${service} ${req.method} ${req.baseUrl}${req.path}`);
    endSpanOnFinish(res, req.requestContext);
    runWithContext(req.requestContext, next);
  };
}

/** Runs the rest of the request inside its request context (after body parsing, which loses it). */
export const enterRequestContext: express.RequestHandler = (req, _res, next) =>
  req.requestContext ? runWithContext(req.requestContext, next) : next();
