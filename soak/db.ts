import mysql from 'mysql2/promise';
import type { ServiceName } from '../lib/config.js';

/**
 * Direct SQL on the namespace's four databases: the invariants are checked where the data lives,
 * not through the APIs under test. Dates come back as strings, DATETIMEs read as UTC.
 */
export class Databases {
  private readonly pools = new Map<ServiceName, mysql.Pool>();

  constructor(
    private readonly namespace: string,
    private readonly mysqlUrl = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306',
  ) {}

  private pool(service: ServiceName): mysql.Pool {
    let pool = this.pools.get(service);
    if (!pool) {
      pool = mysql.createPool({
        uri: this.mysqlUrl,
        database: `${this.namespace}_${service}`,
        timezone: 'Z',
        dateStrings: true,
        supportBigNumbers: true,
        bigNumberStrings: true,
        connectionLimit: 4,
      });
      this.pools.set(service, pool);
    }
    return pool;
  }

  async query<T = Record<string, any>>(service: ServiceName, sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.pool(service).query(sql, params))[0] as T[];
  }

  /** Runs `work` in one transaction on one connection of the service's database. */
  async transaction<T>(service: ServiceName, work: (c: mysql.PoolConnection) => Promise<T>): Promise<T> {
    const conn = await this.pool(service).getConnection();
    try {
      await conn.beginTransaction();
      const result = await work(conn);
      await conn.commit();
      return result;
    } catch (err) {
      await conn.rollback().catch(() => undefined);
      throw err;
    } finally {
      conn.release();
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.end().catch(() => undefined)));
    this.pools.clear();
  }
}
