import { badInput } from './errors.js';

/**
 * Relay connections over keyset pagination: the cursor is an opaque encoding of the sort key of
 * the last row, so a page never skips or repeats rows when rows are added meanwhile.
 */
export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

export const MAX_PAGE = 100;
export const DEFAULT_PAGE = 20;

export function pageSize(first: number | null | undefined, argumentName = 'first'): number {
  if (first === null || first === undefined) return DEFAULT_PAGE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) {
    throw badInput(argumentName, `${argumentName} must be between 1 and ${MAX_PAGE}`);
  }
  return first;
}

export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** Decodes a cursor made by encodeCursor with `arity` parts; anything else is BAD_USER_INPUT. */
export function decodeCursor(cursor: string | null | undefined, arity: number, argumentName = 'after'): (string | number)[] | undefined {
  if (cursor === null || cursor === undefined) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.length === arity && key.every((k) => typeof k === 'string' || typeof k === 'number')) return key;
  } catch {
    // fall through to the error below
  }
  throw badInput(argumentName, `${argumentName} is not a valid cursor`);
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount?: number;
}

/** Builds a connection from `size + 1` fetched rows (the extra row only tells there is a next page). */
export function toConnection<T>(rows: T[], size: number, keyOf: (row: T) => readonly (string | number)[], hasPrevious = false): Connection<T> {
  const page = rows.slice(0, size);
  const edges = page.map((node) => ({ cursor: encodeCursor(keyOf(node)), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > size,
      hasPreviousPage: hasPrevious,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
