import type express from 'express';
import { Redis } from 'ioredis';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import mysql from 'mysql2/promise';
import { config } from './config.js';
// The admin connection below stays open between probes: it gets the fixed request queue too.
import './kafkajs-idle-fix.js';

/**
 * Readiness checks of the real dependencies, for /readyz. Each check answers within ~2 s: a
 * stopped Redis, broker or database makes the check throw, so /readyz answers 503 and a load
 * balancer stops sending traffic until it is back.
 */
export type Check = () => Promise<void>;

const timeout = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([
    p,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms).unref()),
  ]);

let redis: Redis | undefined;
/** PING on a connection of its own that fails fast instead of queueing commands while Redis is away. */
export const redisCheck: Check = async () => {
  redis ??= new Redis(config().redisUrl, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1500,
    retryStrategy: (n) => Math.min(n * 200, 2000),
  });
  redis.on('error', () => undefined);
  if (redis.status === 'wait' || redis.status === 'end') await timeout(redis.connect(), 2000, 'Redis');
  const pong = await timeout(redis.ping(), 2000, 'Redis');
  if (pong !== 'PONG') throw new Error(`Redis answered ${pong}`);
};

let admin: Admin | undefined;
let adminConnected = false;
/** Kafka: the cluster's metadata through an admin client (one connection, reconnected on failure). */
export const kafkaCheck: Check = async () => {
  admin ??= new Kafka({
    clientId: 'readyz',
    brokers: config().kafkaBrokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1500,
    requestTimeout: 2000,
    retry: { retries: 0 },
  }).admin();
  try {
    if (!adminConnected) {
      await timeout(admin.connect(), 2500, 'Kafka');
      adminConnected = true;
    }
    const cluster = await timeout(admin.describeCluster(), 2500, 'Kafka');
    if (!cluster.brokers.length) throw new Error('Kafka reports no brokers');
  } catch (err) {
    adminConnected = false;
    await admin.disconnect().catch(() => undefined);
    throw err;
  }
};

/** MySQL server itself (for processes without an ORM of their own): SELECT 1 on a short connection. */
export const mysqlCheck: Check = async () => {
  const conn = await timeout(mysql.createConnection({ uri: config().mysqlUrl, connectTimeout: 2000 }), 2500, 'MySQL');
  try {
    await timeout(conn.query('select 1'), 2000, 'MySQL');
  } finally {
    conn.destroy();
  }
};

export async function runChecks(checks: Record<string, Check>): Promise<{ ok: boolean; checks: Record<string, string> }> {
  const results = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        await check();
        return [name, 'ok'] as const;
      } catch (err) {
        return [name, (err as Error).message || String(err)] as const;
      }
    }),
  );
  return { ok: results.every(([, r]) => r === 'ok'), checks: Object.fromEntries(results) };
}

/** GET /readyz: 200 {status: ready} when every check passes, else 503 with what failed. */
export function readyzHandler(checks: Record<string, Check>, extra: Record<string, unknown> = {}): express.RequestHandler {
  return async (_req, res) => {
    const r = await runChecks(checks);
    res.status(r.ok ? 200 : 503).json({ status: r.ok ? 'ready' : 'not ready', ...extra, checks: r.checks });
  };
}

/** Closes the checkers' connections (on shutdown). */
export async function closeReadiness(): Promise<void> {
  redis?.disconnect();
  redis = undefined;
  if (admin) await admin.disconnect().catch(() => undefined);
  admin = undefined;
  adminConnected = false;
}
