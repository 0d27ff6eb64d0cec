import type { EntityManager } from '../../lib/database.js';
import { badInput } from '../../lib/errors.js';
import { Notification } from './entities.js';
import type { NotificationBatch } from '../../contracts/user.js';

/** The messages the default notifier stores for a user, read back as `me { notifications }`. */
export class NotificationService {
  constructor(private readonly em: EntityManager) {}

  /** Every delivery's messages in one statement. */
  async store({ deliveries }: NotificationBatch): Promise<{ created: number }> {
    const rows = deliveries.flatMap(({ userId, messages }) => messages.map((m) => [userId, m.kind.slice(0, 32), m.dedupeKey.slice(0, 100), m.title.slice(0, 255), m.body]));
    const res = await this.em.getConnection().execute<{ affectedRows: number }>(
      `insert ignore into notification (user_id, kind, dedupe_key, title, body) values ${rows.map(() => '(?, ?, ?, ?, ?)').join(', ')}`,
      rows.flat(),
      'run',
    );
    return { created: res.affectedRows };
  }

  /** Newest first. */
  list(userId: string, first = 20): Promise<Notification[]> {
    if (!Number.isInteger(first) || first < 1 || first > 100) throw badInput('first', 'first must be 1 to 100');
    return this.em.find(Notification, { userId, delState: 0 }, { orderBy: { id: 'desc' }, limit: first });
  }
}
