import { timingSafeEqual } from 'node:crypto';
import type express from 'express';
import { Queue } from 'bullmq';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { config } from '../lib/config.js';
import { createRedis } from '../lib/redis.js';
import { registerQueues } from '../lib/metrics.js';
import { QUEUES } from '../contracts/queues.js';
import { queueOptions } from '../lib/queues.js';

const BASE = '/admin/queues';

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** HTTP Basic auth with the admin credential from configuration (ADMIN_USER / ADMIN_PASSWORD). */
export function basicAuth(user: string, password: string | null): express.RequestHandler {
  return (req, res, next) => {
    const header = req.header('authorization') ?? '';
    const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
    if (password && m) {
      const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i >= 0 && safeEqual(decoded.slice(0, i), user) && safeEqual(decoded.slice(i + 1), password)) return next();
    }
    res.setHeader('WWW-Authenticate', 'Basic realm="looklook admin", charset="UTF-8"');
    res.status(401).type('text/plain').send(password ? 'admin credential required' : 'admin disabled: set ADMIN_PASSWORD');
  };
}

/**
 * Bull Board for every queue of jobs/queues.ts at /admin/queues, behind the admin credential.
 * The same Queue objects feed the bullmq_queue_jobs gauge of the gateway's /metrics.
 */
export function mountAdmin(app: express.Express): { close(): Promise<void> } {
  const cfg = config();
  const connection = createRedis();
  connection.on('error', () => undefined);
  const queues = Object.values(QUEUES).map((name) => new Queue(name, queueOptions(connection)));
  registerQueues(queues);
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(BASE);
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter });
  app.use(BASE, basicAuth(cfg.adminUser, cfg.adminPassword), serverAdapter.getRouter());
  return {
    close: async () => {
      await Promise.all(queues.map((q) => q.close().catch(() => undefined)));
      connection.disconnect();
    },
  };
}
