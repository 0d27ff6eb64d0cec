import { GraphQLError } from 'graphql';

/** The platform's error codes (CONTRACT.md); every domain error carries one in extensions.code. */
export type ErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'BAD_USER_INPUT' | 'NOT_FOUND' | 'CONFLICT' | 'SOLD_OUT' | 'RATE_LIMITED';

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = { UNAUTHENTICATED: 401, RATE_LIMITED: 429 };

export function domainError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extensions } });
}

/** BAD_USER_INPUT naming the argument (or input field) at fault, so clients can point at it. */
export const badInput = (argumentName: string, message: string) =>
  domainError('BAD_USER_INPUT', message, { argumentName });
export const notFound = (what: string) => domainError('NOT_FOUND', `${what} not found`);
export const conflict = (message: string) => domainError('CONFLICT', message);
export const soldOut = (message: string) => domainError('SOLD_OUT', message);
export const forbidden = (message: string) => domainError('FORBIDDEN', message);
/** RATE_LIMITED with the seconds after which the same call may succeed (CONTRACT: extensions.retryAfter). */
export const rateLimited = (message: string, retryAfter: number) => domainError('RATE_LIMITED', message, { retryAfter });
export const unauthenticated = (message = 'sign in required') => domainError('UNAUTHENTICATED', message);

/** For errors raised before execution (gateway context), where the HTTP status matters too. */
export function withHttpStatus(err: GraphQLError): GraphQLError {
  const code = err.extensions.code as ErrorCode;
  const status = HTTP_STATUS[code];
  if (!status) return err;
  return new GraphQLError(err.message, { extensions: { ...err.extensions, http: { status } } });
}

export function isDomainError(err: unknown): err is GraphQLError {
  return err instanceof GraphQLError && typeof err.extensions?.code === 'string';
}
