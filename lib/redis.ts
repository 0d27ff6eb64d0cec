import { Redis, type RedisOptions } from 'ioredis';
import { config } from './config.js';

/**
 * A Redis connection. BullMQ needs maxRetriesPerRequest null so that a Redis restart pauses
 * workers instead of failing their commands.
 */
export function createRedis(options: RedisOptions = {}): Redis {
  return new Redis(config().redisUrl, { maxRetriesPerRequest: null, lazyConnect: false, ...options });
}

/** Redis key or channel name inside the namespace. */
export function redisKey(name: string): string {
  return `${config().namespace}:${name}`;
}

export { Redis };
