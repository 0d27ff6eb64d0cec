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

export const NotificationInput = NotificationMessage.extend({ userId: z.string().min(1, 'userId is required').max(32) });
export type NotificationInput = z.infer<typeof NotificationInput>;

/** The user service's internal API (service credential only, under /internal). */
export const userRoutes = {
  /** Stores a message for `me { notifications }`; idempotent by (userId, dedupeKey). */
  storeNotification: route('user', '/notifications', NotificationInput, z.object({ created: z.boolean() })),
};
