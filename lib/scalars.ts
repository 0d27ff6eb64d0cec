import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar day written YYYY-MM-DD. */
export function isCalendarDate(value: string): boolean {
  const m = DATE_RE.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === value;
}

const badDate = (v: unknown) =>
  new GraphQLError(`Date must be YYYY-MM-DD, got ${JSON.stringify(v)}`, { extensions: { code: 'BAD_USER_INPUT' } });

/** Dates of stay travel as plain `YYYY-MM-DD` strings: no time zone can shift them. */
export const DateScalar = new GraphQLScalarType<string, string>({
  name: 'Date',
  description: 'A calendar day, YYYY-MM-DD',
  serialize(value) {
    if (value instanceof Date) return value.toISOString().slice(0, 10);
    if (typeof value === 'string' && isCalendarDate(value.slice(0, 10))) return value.slice(0, 10);
    throw new GraphQLError(`cannot serialize ${String(value)} as Date`);
  },
  parseValue(value) {
    if (typeof value !== 'string' || !isCalendarDate(value)) throw badDate(value);
    return value;
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING || !isCalendarDate(ast.value)) throw badDate(ast.kind === Kind.STRING ? ast.value : ast.kind);
    return ast.value;
  },
});

export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An instant, ISO 8601',
  serialize(value) {
    const d = value instanceof Date ? value : new Date(value as string | number);
    if (Number.isNaN(d.getTime())) throw new GraphQLError(`cannot serialize ${String(value)} as DateTime`);
    return d.toISOString();
  },
  parseValue(value) {
    const d = typeof value === 'string' ? new Date(value) : new Date(NaN);
    if (Number.isNaN(d.getTime())) throw new GraphQLError('DateTime must be ISO 8601', { extensions: { code: 'BAD_USER_INPUT' } });
    return d;
  },
  parseLiteral(ast) {
    const d = ast.kind === Kind.STRING ? new Date(ast.value) : new Date(NaN);
    if (Number.isNaN(d.getTime())) throw new GraphQLError('DateTime must be ISO 8601', { extensions: { code: 'BAD_USER_INPUT' } });
    return d;
  },
});
