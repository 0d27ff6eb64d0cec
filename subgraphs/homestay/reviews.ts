import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '../../lib/database.js';
import { badInput, forbidden, notFound } from '../../lib/errors.js';
import { Homestay, HomestayComment } from './entities.js';
import { orderApi } from './order-client.js';
import { isId } from './stay.js';

export const MAX_COMMENT_LENGTH = 1000;

/**
 * Reviews after a stay: a guest reviews a homestay once per USED order of it (the order service
 * says which stays the guest had). The unique order_sn of homestay_comment decides between
 * concurrent reviews of one stay: one is stored, the other goes on to the guest's next stay
 * without a review, or is refused when there is none.
 */
export class Reviews {
  constructor(private readonly em: EntityManager) {}

  async add(userId: string, homestayId: string, star: number, content: string, requestId?: string): Promise<HomestayComment> {
    if (!Number.isInteger(star) || star < 1 || star > 5) throw badInput('star', 'star must be 1 to 5');
    const text = content.trim();
    const len = [...text].length;
    if (len < 1 || len > MAX_COMMENT_LENGTH) throw badInput('content', `content must be 1 to ${MAX_COMMENT_LENGTH} characters`);
    const homestay = isId(homestayId) ? await this.em.findOne(Homestay, { id: homestayId, delState: 0 }) : null;
    if (!homestay) throw notFound('homestay');

    const { stays } = await orderApi.stays(userId, String(homestay.id), requestId);
    const reviewed = await this.reviewedSns(stays.map((s) => s.sn));
    for (const stay of stays) {
      if (reviewed.has(stay.sn)) continue;
      const em = this.em.fork();
      const comment = em.create(HomestayComment, { homestayId: homestay.id, userId, content: text, star, orderSn: stay.sn } as HomestayComment);
      try {
        await em.flush();
        return comment;
      } catch (err) {
        // A concurrent review took this stay first.
        if (!(err instanceof UniqueConstraintViolationException)) throw err;
      }
    }
    throw forbidden('only a guest with a stay here (a USED order) that has no review yet may review this homestay');
  }

  /** The sns among `sns` that already have a review (deleted ones included: the unique key counts them). */
  private async reviewedSns(sns: string[]): Promise<Set<string>> {
    if (!sns.length) return new Set();
    const rows: { order_sn: string }[] = await this.em.execute(
      `select order_sn from homestay_comment where order_sn in (${sns.map(() => '?').join(',')})`,
      sns,
    );
    return new Set(rows.map((r) => r.order_sn));
  }
}
