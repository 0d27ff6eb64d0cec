import { pino, type Logger } from 'pino';
import { config } from './config.js';
import { currentContext } from './request-context.js';

/**
 * One JSON logger per process; secrets never reach it (see redact). Every line written while a
 * request or job is in flight carries its requestId and traceId (lib/request-context.ts).
 */
export function createLogger(name: string): Logger {
  return pino({
    name,
    level: config().logLevel,
    mixin() {
      const ctx = currentContext();
      return ctx ? { requestId: ctx.requestId, traceId: ctx.traceId } : {};
    },
    redact: {
      paths: [
        'password', '*.password', '*.*.password', 'newPassword', '*.newPassword',
        'authorization', '*.authorization', 'headers.authorization', 'headers.cookie',
        'accessToken', '*.accessToken', 'token', '*.token', 'secret', '*.secret',
        'variables.input.password', 'headers["x-looklook-context"]', 'headers["x-sandbox-signature"]',
      ],
      censor: '[redacted]',
    },
  });
}

export type { Logger };
