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

export const BaseRowSchema = new EntitySchema<BaseRow>({
  name: 'BaseRow',
  abstract: true,
  properties: {
    // Ids travel as strings: GraphQL IDs, and safe beyond 2^53.
    id: { type: new BigIntType('string'), primary: true, autoincrement: true },
    createTime: { type: 'datetime', onCreate: () => new Date() },
    updateTime: { type: 'datetime', onCreate: () => new Date(), onUpdate: () => new Date() },
    deleteTime: { type: 'datetime', nullable: true },
    delState: { type: 'tinyint', default: 0 },
    // Optimistic lock, as in looklook: ORM flushes check it; hand-written guarded UPDATEs bump it.
    version: { type: 'integer', version: true, default: 0 },
  },
});
