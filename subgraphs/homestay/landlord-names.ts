import { LRUCache } from 'lru-cache';
import { PROFILES_MAX, USER_PROFILE_CHANNEL, UserProfileChanged, userRoutes } from '../../contracts/user.js';
import { call, parseMessage } from '../../lib/contract.js';
import { batchWithin } from '../../lib/loader.js';
import type { Logger } from '../../lib/logger.js';
import { createRedis, type Redis } from '../../lib/redis.js';

/** The longest a copied name is used: the bound on its age should an announced change be lost. */
export const NAME_TTL_MS = 60_000;

/** A User as this subgraph returns it: the reference, with the nickname where it provides one. */
export interface UserRef {
  __typename: 'User';
  id: string;
  nickname?: string;
}

/**
 * Landlords' nicknames, which the homestay subgraph provides on Homestay.landlord (schema.graphql,
 * `@provides(fields: "nickname")`), so that a catalog page is one subgraph fetch instead of two:
 * the user subgraph's `_entities` for a page's landlords cost the stack about as much CPU as the
 * page itself (bench/homestays.ts, issue 15).
 *
 * The names are copies of the user service's: read from it (userRoutes.profiles, the misses of a
 * moment in one call) and kept in this process for at most NAME_TTL_MS; a change the user service
 * announces (USER_PROFILE_CHANNEL) drops the copy at once. An announcement can be lost (Redis
 * away), so a landlord's name on a homestay may lag a change by up to NAME_TTL_MS; the user
 * subgraph's own fields are always current.
 */
export class LandlordNames {
  private readonly names = new LRUCache<string, string>({ max: 10_000, ttl: NAME_TTL_MS });
  /** Counts dropped copies: a read that was out while one was dropped does not keep what it read. */
  private drops = 0;
  private subscriber: Redis | null = null;
  private readonly reads = batchWithin<string, string | null>(1, PROFILES_MAX, async (ids) => {
    const { profiles } = await call('homestay', userRoutes.profiles, { ids: [...new Set(ids)] });
    const byId = new Map(profiles.map((p) => [p.id, p.nickname]));
    return ids.map((id) => byId.get(id) ?? null);
  });

  /**
   * The user's nickname, null for an unknown or deleted user: at once when a copy is at hand (a
   * page's fields then resolve without a promise each, as the rest of a page does), else read.
   */
  nickname(userId: string): string | Promise<string | null> {
    return this.names.get(userId) ?? this.read(userId);
  }

  private async read(userId: string): Promise<string | null> {
    const drops = this.drops;
    const name = await this.reads.load(userId);
    if (name !== null && drops === this.drops) this.names.set(userId, name);
    return name;
  }

  forget(userId?: string): void {
    this.drops += 1;
    if (userId === undefined) this.names.clear();
    else this.names.delete(userId);
  }

  /**
   * Drops copies as the user service announces changes. Each time the subscription (re)connects,
   * every copy goes: changes announced while it was away were missed.
   */
  listen(log: Logger): void {
    const sub = createRedis();
    this.subscriber = sub;
    sub.on('ready', () => this.forget());
    sub.on('message', (_channel: string, raw: string) => {
      const change = parseMessage(UserProfileChanged, raw);
      if (change) this.forget(change.id);
    });
    // Not awaited: the subgraph serves while Redis is away (copies then expire on their own).
    sub.subscribe(USER_PROFILE_CHANNEL()).catch((err: Error) => log.warn({ err: err.message }, 'not subscribed to profile changes; landlord names expire on their own'));
  }

  async close(): Promise<void> {
    const sub = this.subscriber;
    this.subscriber = null;
    await sub?.quit().catch(() => undefined);
  }
}
