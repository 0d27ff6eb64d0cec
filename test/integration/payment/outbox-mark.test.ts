import { randomUUID } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MikroORM } from '../../../lib/database.js';
import type { OutboxRelayLoop } from '../../../lib/outbox-relay.js';
import { ownPaymentNamespace, silentLog as log, waitFor } from './support.js';

/**
 * The relay marks what it published as sent while a writer's transaction is still open with the
 * next row (a callback between its INSERT and its COMMIT). Found by the payments benchmark: the
 * mark, `update … where id in (12, 13, …, 49)`, is a range scan of the primary key, and under
 * REPEATABLE READ it waited on the row after the range, the open transaction's; the whole
 * pipeline stalled behind every slow writer (up to 2 s per round under load).
 */
let own: Awaited<ReturnType<typeof ownPaymentNamespace>>;
let orm: MikroORM;
let writer: mysql.Connection;
let relay: OutboxRelayLoop<{ id: string; event_id: string }>;
const published: string[] = [];

beforeAll(async () => {
  own = await ownPaymentNamespace('om');
  orm = own.orm;
  const { config, databaseName } = await import('../../../lib/config.js');
  writer = await mysql.createConnection({ uri: config().mysqlUrl, database: databaseName('payment') });
  const { OutboxRelayLoop } = await import('../../../lib/outbox-relay.js');
  relay = new OutboxRelayLoop(orm, own.redis, log, {
    table: 'payment_outbox',
    columns: 'id, event_id',
    lease: 'outbox-mark-test',
    async send(rows) {
      published.push(...rows.map((r) => r.event_id));
    },
  }, { pollMs: 50 });
});

afterAll(async () => {
  await relay?.stop();
  await writer?.end();
  await own?.close();
}, 60_000);

const INSERT = 'insert into payment_outbox (event_id, topic, message_key, payload) values (?, ?, ?, ?)';
const row = (eventId: string) => [eventId, 'outbox-mark-test', 'k', '{}'];

describe('outbox relay marking rows sent', () => {
  it('does not wait for a writer whose next row is not committed yet', async () => {
    const committed = Array.from({ length: 20 }, () => randomUUID());
    for (const id of committed) await orm.em.getConnection().execute(INSERT, row(id));
    const late = randomUUID();
    await writer.query('begin');
    await writer.execute(INSERT, row(late));
    try {
      relay.start();
      // Before the fix the mark waited for this transaction: innodb_lock_wait_timeout, 50 s.
      await waitFor(
        'the committed rows to be marked sent',
        async () => {
          const [row] = await orm.em.getConnection().execute(`select count(*) n from payment_outbox where sent_at is not null and event_id in (${committed.map(() => '?').join(',')})`, committed);
          return Number(row.n) === committed.length;
        },
        5_000,
      );
      expect(published).toEqual(committed);
    } finally {
      await writer.query('commit');
    }
    await waitFor('the late row to be published once committed', async () => published.includes(late), 5_000);
    expect(published.filter((id) => id === late)).toHaveLength(1);
  });
});
