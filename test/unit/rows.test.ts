import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EntitySchema } from '@mikro-orm/core';
import { BaseRow, idColumn } from '../../lib/base-row.js';
import { openDatabase, type EntityManager, type MikroORM } from '../../lib/database.js';
import { rowReader } from '../../lib/rows.js';

/**
 * lib/rows.ts against the ORM's own hydration: a plain row must read as the entity would, since
 * resolvers take either. The ORM is built without a connection (metadata only, as `em.map` needs).
 */
class Thing extends BaseRow {
  name!: string;
  ownerId!: string;
  cents = 0;
  score = 0;
  secret!: string;
}

const ThingSchema = new EntitySchema<Thing, BaseRow>({
  class: Thing,
  tableName: 'thing',
  extends: 'BaseRow',
  properties: {
    name: { type: 'string', length: 64 },
    ownerId: idColumn(),
    cents: { type: 'bigint', default: 0 },
    score: { type: 'double', default: 0 },
    secret: { type: 'string', length: 255, lazy: true },
  },
});

let orm: MikroORM;
let em: EntityManager;

beforeAll(async () => {
  orm = await openDatabase({ service: 'user', entities: [ThingSchema], migrations: [] }, { connect: false });
  em = orm.em.fork() as EntityManager;
});
afterAll(() => orm.close(true));

// As mysql2 returns it (supportBigNumbers, dateStrings): ids and bigints as numbers, or strings past 2^53.
const raw = {
  id: 9007199254740993n.toString(),
  create_time: '2026-12-01 22:23:18',
  update_time: '2026-12-02 01:02:03',
  delete_time: null,
  del_state: 0,
  version: 3,
  name: 'a thing',
  owner_id: 42,
  cents: 1234,
  score: 4.5,
};

describe('rowReader', () => {
  it('reads a row as MikroORM hydrates it, without the lazy columns', () => {
    const plain = rowReader(em, Thing).read(raw);
    const hydrated = em.map(Thing, { ...raw });
    expect(plain).toEqual({
      id: '9007199254740993',
      createTime: new Date('2026-12-01T22:23:18Z'),
      updateTime: new Date('2026-12-02T01:02:03Z'),
      deleteTime: null,
      delState: 0,
      version: 3,
      name: 'a thing',
      ownerId: '42',
      cents: hydrated.cents,
      score: 4.5,
    });
    for (const key of Object.keys(plain) as (keyof Thing)[]) expect(plain[key], key).toEqual(hydrated[key]);
    expect(plain).not.toHaveProperty('secret');
  });

  it('selects its columns under a prefix and reads them back from it, for joins', () => {
    const things = rowReader(em, Thing);
    expect(things.table).toBe('thing');
    expect(things.columns('t')).toBe('t.id, t.create_time, t.update_time, t.delete_time, t.del_state, t.version, t.name, t.owner_id, t.cents, t.score');
    expect(things.columns('x', 'x__')).toContain('x.owner_id as x__owner_id');
    const joined = Object.fromEntries(Object.entries(raw).map(([k, v]) => [`x__${k}`, v]));
    expect(things.read({ ...joined, id: 'not this one' }, 'x__')).toEqual(things.read(raw));
  });
});
