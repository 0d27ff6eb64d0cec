import { spawnSync } from 'node:child_process';
import mysql from 'mysql2/promise';
import { config } from '../../lib/config.js';
import { InfraError, isLocalHost, waitFor, which } from './wait.js';

async function canConnect(url: string): Promise<boolean> {
  try {
    const conn = await mysql.createConnection({ uri: url, connectTimeout: 2000 });
    await conn.query('select 1');
    await conn.end();
    return true;
  } catch {
    return false;
  }
}

/** Finds MySQL/MariaDB at MYSQL_URL, or starts the machine's local MariaDB when it is installed but stopped. */
export async function ensureMysql(log: (m: string) => void): Promise<void> {
  const url = config().mysqlUrl;
  if (await canConnect(url)) return;
  const host = new URL(url).hostname;
  const mariadbd = which('/usr/sbin/mariadbd', '/usr/sbin/mysqld', 'mariadbd', 'mysqld');
  if (!process.env.MYSQL_URL && isLocalHost(host) && mariadbd) {
    log(`MySQL not answering at ${url}; starting ${mariadbd}`);
    spawnSync('start-stop-daemon', ['--start', '--oknodo', '--background', '--exec', mariadbd], { stdio: 'ignore' });
    await waitFor('MariaDB', () => canConnect(url), 30_000).catch(() => undefined);
    if (await canConnect(url)) return;
  }
  throw new InfraError(
    `MySQL is not reachable at ${url}: start MySQL 8 or MariaDB 10.11 there, or set MYSQL_URL (e.g. mysql://root:secret@host:3306).`,
  );
}
