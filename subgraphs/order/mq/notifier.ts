import { NOTIFICATION_DELIVERIES_MAX, NotificationsInput, userRoutes, type NotificationMessage } from '../../../contracts/user.js';
import { call, inputError } from '../../../lib/contract.js';
import { batchWithin } from '../../../lib/loader.js';

export type { NotificationMessage };

/** How messages reach users: looklook sent WeChat template messages; another channel implements this. */
export interface Notifier {
  deliver(userId: string, messages: NotificationMessage[]): Promise<void>;
}

/** Under the user service's 100 kB limit on an internal request's body, with room to spare. */
const CALL_BYTES = 64 * 1024;

/**
 * The default notifier: stores the messages in the user service, read back as `me { notifications }`.
 * The deliveries of the same few milliseconds (the notify worker runs many jobs at once) go in
 * one call and one INSERT: a call each cost the user service more CPU than the rest of a paid
 * order's messages (bench/payments.ts). A failed call fails each of its deliveries' jobs, which
 * BullMQ retries; the dedupe keys make the retry store nothing twice.
 */
export class StoredNotifier implements Notifier {
  private readonly batches = batchWithin<NotificationsInput, void>(2, NOTIFICATION_DELIVERIES_MAX, async (deliveries) => {
    await Promise.all(inParts(deliveries, CALL_BYTES).map((part) => call('jobs', userRoutes.storeNotifications, { deliveries: part })));
    return deliveries.map(() => undefined);
  });

  async deliver(userId: string, messages: NotificationMessage[]): Promise<void> {
    // Checked here, so that a malformed delivery fails its own job, not the batch it would join.
    const delivery = NotificationsInput.safeParse({ userId: String(userId), messages });
    if (!delivery.success) throw inputError(delivery.error);
    await this.batches.load(delivery.data);
  }
}

/** Deliveries in order, in parts of at most `maxBytes` of JSON each (a delivery larger than that is a part of its own). */
export function inParts(deliveries: readonly NotificationsInput[], maxBytes: number): NotificationsInput[][] {
  const parts: NotificationsInput[][] = [];
  let part: NotificationsInput[] = [];
  let bytes = 0;
  for (const d of deliveries) {
    const size = Buffer.byteLength(JSON.stringify(d));
    if (part.length && bytes + size > maxBytes) {
      parts.push(part);
      part = [];
      bytes = 0;
    }
    part.push(d);
    bytes += size;
  }
  if (part.length) parts.push(part);
  return parts;
}
