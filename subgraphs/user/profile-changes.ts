import { USER_PROFILE_CHANNEL } from '../../contracts/user.js';
import type { Logger } from '../../lib/logger.js';
import type { Redis } from '../../lib/redis.js';

/**
 * Announces that a user's public profile changed (contracts/user.ts USER_PROFILE_CHANNEL), after
 * the change committed, so that copies of it (the homestay service's landlord names) are dropped
 * at once instead of when they expire. Best effort: a lost announcement leaves a copy stale until
 * its expiry, never the change itself undone, so a failure is logged and the mutation succeeds.
 */
export class ProfileChanges {
  static readonly none = new ProfileChanges(null, null);

  constructor(
    private readonly redis: Redis | null,
    private readonly log: Logger | null,
  ) {}

  async announce(userId: string): Promise<void> {
    try {
      await this.redis?.publish(USER_PROFILE_CHANNEL(), JSON.stringify({ id: userId }));
    } catch (err) {
      this.log?.warn({ err: (err as Error).message, userId }, 'profile change not announced; copies expire on their own');
    }
  }

  async close(): Promise<void> {
    await this.redis?.quit().catch(() => undefined);
  }
}
