import { userRoutes, type NotificationMessage } from '../../../contracts/user.js';
import { call } from '../../../lib/contract.js';

export type { NotificationMessage };

/** How messages reach users: looklook sent WeChat template messages; another channel implements this. */
export interface Notifier {
  deliver(userId: string, messages: NotificationMessage[]): Promise<void>;
}

/** The default notifier: stores the messages in the user service, read back as `me { notifications }`. */
export class StoredNotifier implements Notifier {
  async deliver(userId: string, messages: NotificationMessage[]): Promise<void> {
    await call('jobs', userRoutes.storeNotifications, { userId: String(userId), messages });
  }
}
