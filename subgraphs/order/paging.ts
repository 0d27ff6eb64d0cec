import type { EntityName, FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '../../lib/database.js';
import { decodeCursor, pageSize, toConnection, type Connection, type PageArgs } from '../../lib/connection.js';
import { badInput } from '../../lib/errors.js';

/**
 * A page of the rows matching `where`, newest first (id descending), keyset paginated on id: the
 * one paging of the order subgraph's lists (a guest's orders, a landlord's, a homestay's settlements).
 */
export async function newestFirst<T extends { id: string }>(
  em: EntityManager,
  entity: EntityName<T>,
  where: FilterQuery<T> & object,
  args: PageArgs,
): Promise<Connection<T>> {
  const size = pageSize(args.first);
  const after = decodeCursor(args.after, 1);
  if (after && !/^\d+$/.test(String(after[0]))) throw badInput('after', 'after is not a valid cursor');
  const filter = (after ? { ...where, id: { $lt: String(after[0]) } } : where) as FilterQuery<T>;
  const rows = await em.find(entity, filter, { orderBy: { id: 'desc' } as never, limit: size + 1 });
  return toConnection(rows as T[], size, (row) => [String(row.id)], Boolean(after));
}
