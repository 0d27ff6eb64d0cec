import { z } from 'zod';
import { route } from '../lib/contract.js';
import { redisKey } from '../lib/redis.js';

/** One message to a user; dedupeKey makes a repeated delivery a no-op. */
export const NotificationMessage = z.object({
  kind: z.string().min(1, 'kind is required').max(32),
  dedupeKey: z.string().min(1, 'dedupeKey is required').max(100),
  title: z.string().min(1, 'title is required').max(255),
  body: z.string().min(1, 'body is required').max(10_000),
});
export type NotificationMessage = z.infer<typeof NotificationMessage>;

/** Messages for one user, stored together (a paid order's two messages are one call, one statement). */
export const NotificationsInput = z.object({
  // A user id (bigint unsigned): anything else would fail the whole batch's INSERT, not one delivery.
  userId: z.string().regex(/^\d{1,20}$/, 'userId must be a user id'),
  messages: z.array(NotificationMessage).min(1, 'messages must not be empty').max(10, 'at most 10 messages at once'),
});
export type NotificationsInput = z.infer<typeof NotificationsInput>;

/**
 * Messages for many users in one call and one statement: the deliveries the notify worker made
 * within the same few milliseconds (it runs many jobs at once).
 */
export const NOTIFICATION_DELIVERIES_MAX = 50;
export const NotificationBatch = z.object({
  deliveries: z.array(NotificationsInput).min(1, 'deliveries must not be empty').max(NOTIFICATION_DELIVERIES_MAX, `at most ${NOTIFICATION_DELIVERIES_MAX} deliveries at once`),
});
export type NotificationBatch = z.infer<typeof NotificationBatch>;

/** What of a user other services may copy and show (a homestay page names its landlord). */
export const PublicProfile = z.object({ id: z.string(), nickname: z.string() });
export type PublicProfile = z.infer<typeof PublicProfile>;
export const PROFILES_MAX = 100;

/**
 * A user's public profile changed: copies of it (the homestay service's landlord names) are stale.
 * Published on a Redis channel inside the namespace after the change commits; at most once, so a
 * copy must also expire on its own.
 */
export const UserProfileChanged = z.object({ id: z.string().min(1) });
export const USER_PROFILE_CHANNEL = (): string => redisKey('user-profile-changed');

/** The user service's internal API (service credential only, under /internal). */
export const userRoutes = {
  /** Public profiles by id; unknown and deleted users are left out. */
  profiles: route(
    'user',
    '/profiles',
    z.object({ ids: z.array(z.string().min(1).max(32)).min(1, 'ids must not be empty').max(PROFILES_MAX, `at most ${PROFILES_MAX} ids at once`) }),
    z.object({ profiles: z.array(PublicProfile) }),
  ),
  /** Stores messages for `me { notifications }`; idempotent by (userId, dedupeKey): `created` counts the new ones. */
  storeNotifications: route('user', '/notifications/batch', NotificationBatch, z.object({ created: z.number().int().min(0) })),
};
