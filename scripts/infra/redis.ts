import { mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { config } from '../../lib/config.js';
import { InfraError, isLocalHost, PROJECT_ROOT, waitFor, which } from './wait.js';

async function canPing(url: string): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/** Finds Redis at REDIS_URL, or starts a local redis-server (append-only, so queued jobs survive a restart). */
export async function ensureRedis(log: (m: string) => void): Promise<void> {
  const url = config().redisUrl;
  if (await canPing(url)) return;
  const { hostname, port } = new URL(url);
  const server = which('redis-server');
  if (!process.env.REDIS_URL && isLocalHost(hostname) && server) {
    const dir = `${PROJECT_ROOT}.data/redis`;
    mkdirSync(dir, { recursive: true });
    log(`Redis not answering at ${url}; starting ${server} with data in ${dir}`);
    spawnSync(server, ['--daemonize', 'yes', '--bind', '127.0.0.1', '--port', port || '6379', '--appendonly', 'yes', '--dir', dir], {
      stdio: 'ignore',
    });
    await waitFor('Redis', () => canPing(url), 15_000).catch(() => undefined);
    if (await canPing(url)) return;
  }
  throw new InfraError(`Redis is not reachable at ${url}: start Redis 7 there, or set REDIS_URL (e.g. redis://host:6379).`);
}
