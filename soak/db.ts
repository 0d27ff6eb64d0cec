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
        connectionLimit: 2,
      });
      this.pools.set(service, pool);
    }
    return pool;
  }

  /**
   * One statement. The server is shared (tests, other soaks): when it is out of connections or one
   * drops, the read is tried again for a while instead of failing the whole soak.
   */
  async query<T = Record<string, any>>(service: ServiceName, sql: string, params: unknown[] = []): Promise<T[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.pool(service).query(sql, params))[0] as T[];
      } catch (err) {
        const e = err as { errno?: number; code?: string };
        const transient = e.errno === 1040 || e.code === 'PROTOCOL_CONNECTION_LOST' || e.code === 'ECONNREFUSED' || e.code === 'ECONNRESET';
        if (!transient || attempt >= 30) throw err;
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
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
