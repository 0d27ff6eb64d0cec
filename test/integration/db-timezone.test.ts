import { homestayDatabase } from '../../subgraphs/homestay/database.js';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDatabase, openDatabase, type MikroORM } from '../../lib/database.js';
import { waitFor, which } from '../../scripts/infra/wait.js';
import { HomestayBusiness } from '../../subgraphs/homestay/entities.js';
import { ReservationService } from '../../subgraphs/homestay/reservations.js';
import { testNamespace } from '../support/gql.js';
import { freePort } from '../support/ports.js';

/**
 * The ORM reads every datetime as UTC, so every session must also write in UTC what the server
 * fills itself (`current_timestamp`, `ON UPDATE`). Proved on a MariaDB server of this test's own
 * whose default zone is +08:00: the shared server's default is the machine's, usually UTC, where
 * the mistake cannot show, and its global zone is not ours to change.
 */

const sessionZones = (orm: MikroORM, n: number) =>
  // Concurrent transactions each hold a connection of their own, so n pool connections answer.
  Promise.all(
    Array.from({ length: n }, () =>
      orm.em.fork().transactional(async (tx) => {
        const rows: { tz: string }[] = await tx.execute('select @@session.time_zone as tz, sleep(0.05) as s');
        return rows[0]!.tz;
      }),
    ),
  );

const minutesFromNow = (d: Date) => Math.abs(d.getTime() - Date.now()) / 60_000;

describe('database sessions run in UTC', () => {
  it('the product ORM on the shared server', async () => {
    const orm = await openDatabase(homestayDatabase, { dbName: `${testNamespace()}_homestay` });
    try {
      expect(await sessionZones(orm, 3)).toEqual(['+00:00', '+00:00', '+00:00']);
    } finally {
      await orm.close(true);
    }
  });

  const installDb = which('/usr/bin/mariadb-install-db', 'mariadb-install-db');
  const mariadbd = which('/usr/sbin/mariadbd', 'mariadbd');

  describe.skipIf(!installDb || !mariadbd)('on a MariaDB server whose default time zone is +08:00', () => {
    let dir = '';
    let server: ChildProcess | undefined;
    let url = '';
    let orm: MikroORM | undefined;
    const dbName = 'looklook_tz_homestay';

    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'looklook-tz-'));
      const data = path.join(dir, 'data');
      await promisify(execFile)(installDb!, ['--no-defaults', `--datadir=${data}`, '--auth-root-authentication-method=normal', '--skip-test-db']);
      const port = await freePort();
      server = spawn(
        mariadbd!,
        [
          '--no-defaults',
          `--datadir=${data}`,
          `--socket=${path.join(dir, 'sock')}`,
          `--pid-file=${path.join(dir, 'pid')}`,
          `--port=${port}`,
          '--bind-address=127.0.0.1',
          '--default-time-zone=+08:00',
          '--skip-grant-tables',
          '--innodb-buffer-pool-size=32M',
          // mariadbd refuses to run as root unless told to.
          ...(process.getuid?.() === 0 ? ['--user=root'] : []),
        ],
        { stdio: 'ignore' },
      );
      url = `mysql://root@127.0.0.1:${port}`;
      await waitFor(
        'the +08:00 MariaDB',
        async () => {
          const c = await mysql.createConnection({ uri: url, connectTimeout: 1000 });
          await c.end();
          return true;
        },
        60_000,
        100,
      );
      await migrateDatabase(homestayDatabase, { clientUrl: url, dbName });
      orm = await openDatabase(homestayDatabase, { clientUrl: url, dbName });
    }, 120_000);

    afterAll(async () => {
      await orm?.close(true);
      if (server && server.exitCode === null) {
        const exited = new Promise((r) => server!.once('exit', r));
        server.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
        if (server.exitCode === null) server.kill('SIGKILL');
      }
      if (dir) await rm(dir, { recursive: true, force: true });
    }, 60_000);

    it('the server itself defaults to +08:00 (or this test would prove nothing)', async () => {
      const c = await mysql.createConnection({ uri: url });
      try {
        const [rows] = await c.query('select @@session.time_zone as tz, timestampdiff(minute, utc_timestamp(), now()) as ahead');
        expect((rows as { tz: string; ahead: number }[])[0]).toEqual({ tz: '+08:00', ahead: 480 });
      } finally {
        await c.end();
      }
    });

    it('every pooled connection of the product ORM is in UTC', async () => {
      expect(await sessionZones(orm!, 5)).toEqual(Array(5).fill('+00:00'));
    });

    it('columns the server fills read back as now, through the entities and the raw SQL the services run', async () => {
      const em = orm!.em.fork();
      const res = (await em.execute("insert into homestay_business (title, user_id) values ('tz', 1)", [], 'run')) as unknown as { insertId: number };
      await em.execute("update homestay_business set title = 'tz again' where id = ?", [res.insertId], 'run');
      const b = await em.findOneOrFail(HomestayBusiness, { id: String(res.insertId) });
      // The mistake is 8 hours; minutes of slack keep a loaded machine out of it.
      expect(minutesFromNow(b.createTime)).toBeLessThan(5);
      expect(minutesFromNow(b.updateTime)).toBeLessThan(5);

      await new ReservationService(orm!).release('TZ-SN-1');
      const [row] = await em.execute<{ t: string }[]>("select create_time as t from homestay_reservation_barrier where sn = 'TZ-SN-1' and op = 'release'");
      expect(minutesFromNow(new Date(`${row!.t.replace(' ', 'T')}Z`))).toBeLessThan(5);
    });
  });
});
