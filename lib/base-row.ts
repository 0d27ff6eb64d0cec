import { BigIntType, EntitySchema } from '@mikro-orm/core';

/** looklook's common columns: every table has them. */
export abstract class BaseRow {
  id!: string;
  createTime: Date = new Date();
  updateTime: Date = new Date();
  deleteTime?: Date | null;
  delState = 0;
  version = 0;
}

/** A column holding another row's id: `bigint unsigned` like the ids, read as a string. */
export const idColumn = () => ({ type: new BigIntType('string'), unsigned: true });

export const BaseRowSchema = new EntitySchema<BaseRow>({
  name: 'BaseRow',
  abstract: true,
  properties: {
    // Ids travel as strings: GraphQL IDs, and safe beyond 2^53.
    id: { type: new BigIntType('string'), primary: true, autoincrement: true },
    // The server fills them too (raw SQL inserts and updates rely on it).
    createTime: { type: 'datetime', defaultRaw: 'current_timestamp', onCreate: () => new Date() },
    updateTime: {
      type: 'datetime',
      defaultRaw: 'current_timestamp',
      extra: 'on update current_timestamp',
      onCreate: () => new Date(),
      onUpdate: () => new Date(),
    },
    deleteTime: { type: 'datetime', nullable: true },
    delState: { type: 'tinyint', default: 0 },
    // Optimistic lock, as in looklook: ORM flushes check it; hand-written guarded UPDATEs bump it.
    version: { type: 'integer', version: true, default: 0 },
  },
});
