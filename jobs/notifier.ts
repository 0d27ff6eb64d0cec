import { callService } from '../lib/internal-client.js';

/** One message to a user. dedupeKey makes a repeated delivery a no-op. */
export interface NotificationMessage {
  kind: string;
  dedupeKey: string;
  title: string;
  body: string;
}

/** How messages reach users: looklook sent WeChat template messages; another channel implements this. */
export interface Notifier {
  deliver(userId: string, messages: NotificationMessage[]): Promise<void>;
}

/** The default notifier: stores the messages in the user service, read back as `me { notifications }`. */
export class StoredNotifier implements Notifier {
  async deliver(userId: string, messages: NotificationMessage[]): Promise<void> {
    for (const m of messages) await callService('jobs', 'user', '/notifications', { userId: String(userId), ...m });
  }
}
