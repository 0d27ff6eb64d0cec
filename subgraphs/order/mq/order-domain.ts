import { orderDatabase } from '../database.js';
import type { Logger } from 'pino';
import { openDatabase, type EntityManager, type MikroORM } from '../../../lib/database.js';
import { createRedis, type Redis } from '../../../lib/redis.js';
import { OrderService } from '../service.js';

/**
 * The order domain inside the jobs process. The jobs process imports the order subgraph's domain
 * modules (service + state machine) directly, with a MikroORM of its own on the order database,
 * instead of calling the order service over HTTP: closing an order must keep working while the
 * order subgraph is down or redeploying, and it runs the very same guarded transitions. Release
 * of nights still goes through the homestay service (it owns the inventory).
 *
 * Opened once per process and shared by the order runners (close-order, order-sweep,
 * settle-record, order-event-relay, pay-success-notify, and the payment-status consumer, which
 * applies payment events here for the same reason).
 */
interface Shared {
  orm: MikroORM;
  redis: Redis;
  users: number;
}
let shared: Promise<Shared> | undefined;

export type OrderDomain = Awaited<ReturnType<typeof openOrderDomain>>;

export async function openOrderDomain(log: Logger) {
  shared ??= (async () => ({ orm: await openDatabase(orderDatabase), redis: createRedis(), users: 0 }))();
  const s = await shared;
  s.users += 1;
  return {
    orm: s.orm,
    redis: s.redis,
    /** A service on a fresh EntityManager: one per job, so jobs never share an identity map. */
    service: () => new OrderService(s.orm.em.fork() as EntityManager, { redis: s.redis, log }),
    close: async () => {
      s.users -= 1;
      if (s.users > 0) return;
      shared = undefined;
      s.redis.disconnect();
      await s.orm.close();
    },
  };
}
