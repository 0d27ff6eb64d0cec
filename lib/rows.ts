import type { EntityMetadata, EntityName } from '@mikro-orm/core';
import type { EntityManager } from './database.js';

/**
 * Rows in the shape of an entity, read with plain SQL and never hydrated: what read paths (lists,
 * DataLoader batches) hand to resolvers that only read properties. Hydrating an entity costs a
 * factory call, an identity-map entry and change-set snapshots per row, which a GraphQL read
 * never uses; on a page of homestays it was most of the subgraph's MikroORM time.
 *
 * The objects are plain and unmanaged: a write path loads its entity through the EntityManager.
 * Columns are converted as MikroORM would hydrate them (ids to strings, datetimes to Dates, numbers
 * to numbers); lazy properties (a user's password hash) are left out, as a plain `find` leaves them.
 */
type Convert = (value: unknown) => unknown;

const toStringValue: Convert = (v) => (v === null || v === undefined ? v : String(v));
const toNumberValue: Convert = (v) => (v === null || v === undefined ? v : Number(v));
const toBigIntValue: Convert = (v) => (v === null || v === undefined ? v : BigInt(v as string | number));
const toBooleanValue: Convert = (v) => (v === null || v === undefined ? v : Boolean(Number(v)));
/** The driver reads datetimes as strings (`dateStrings`) in UTC (the session zone, lib/database.ts). */
const toDateValue: Convert = (v) => {
  if (v === null || v === undefined || v instanceof Date) return v;
  const text = String(v);
  return new Date(text.includes('T') ? text : `${text.replace(' ', 'T')}Z`);
};

const CONVERT: Record<string, Convert> = { string: toStringValue, number: toNumberValue, bigint: toBigIntValue, boolean: toBooleanValue, Date: toDateValue };

export interface RowReader<T> {
  /** The table the entity lives in. */
  readonly table: string;
  /** The select list of every column it reads, from `alias` and named `prefix` + column (to join tables without name clashes). */
  columns(alias: string, prefix?: string): string;
  /** The entity-shaped object of a result row whose columns were named `prefix` + column. */
  read(row: Record<string, unknown>, prefix?: string): T;
}

const readers = new WeakMap<EntityMetadata, RowReader<unknown>>();

function readerOf<T>(meta: EntityMetadata): RowReader<T> {
  const props = meta.props
    .filter((p) => p.kind === 'scalar' && p.persist !== false && !p.lazy && !p.formula && p.fieldNames?.length === 1)
    .map((p) => ({ name: p.name as string, column: p.fieldNames[0]!, convert: CONVERT[p.runtimeType] ?? ((v: unknown) => v) }));
  const converters = props.map((p) => p.convert);
  // One object literal per prefix, compiled once (as MikroORM compiles its hydrators): every row
  // gets the same shape and constant-key reads, which a loop over the properties did not.
  const compiled = new Map<string, (row: Record<string, unknown>, convert: Convert[]) => T>();
  const compile = (prefix: string) =>
    new Function(
      'row',
      'convert',
      `return { ${props.map((p, i) => `${JSON.stringify(p.name)}: convert[${i}](row[${JSON.stringify(prefix + p.column)}])`).join(', ')} };`,
    ) as (row: Record<string, unknown>, convert: Convert[]) => T;
  const selects = new Map<string, string>();
  return {
    table: meta.tableName,
    columns(alias, prefix = '') {
      const key = `${alias} ${prefix}`;
      let list = selects.get(key);
      if (list === undefined) {
        list = props.map((p) => (prefix ? `${alias}.${p.column} as ${prefix}${p.column}` : `${alias}.${p.column}`)).join(', ');
        selects.set(key, list);
      }
      return list;
    },
    read(row, prefix = '') {
      let read = compiled.get(prefix);
      if (!read) compiled.set(prefix, (read = compile(prefix)));
      return read(row, converters);
    },
  };
}

/** The reader of an entity's rows (built once per entity from the ORM's metadata). */
export function rowReader<T extends object>(em: EntityManager, entity: EntityName<T>): RowReader<T> {
  const meta = em.getMetadata().get<T>(entity as never) as unknown as EntityMetadata;
  let reader = readers.get(meta);
  if (!reader) readers.set(meta, (reader = readerOf(meta)));
  return reader as RowReader<T>;
}

/** Result rows of plain SQL (`?` placeholders), as the driver returns them. */
export function selectRows(em: EntityManager, sql: string, params: readonly unknown[] = []): Promise<Record<string, unknown>[]> {
  return em.execute(sql, [...params]);
}
