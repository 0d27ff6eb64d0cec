import { z } from 'zod';
import { route } from '../lib/contract.js';

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
  userId: z.string().min(1, 'userId is required').max(32),
  messages: z.array(NotificationMessage).min(1, 'messages must not be empty').max(10, 'at most 10 messages at once'),
});
export type NotificationsInput = z.infer<typeof NotificationsInput>;

/** The user service's internal API (service credential only, under /internal). */
export const userRoutes = {
  /** Stores messages for `me { notifications }`; idempotent by (userId, dedupeKey): `created` counts the new ones. */
  storeNotifications: route('user', '/notifications', NotificationsInput, z.object({ created: z.number().int().min(0) })),
};
