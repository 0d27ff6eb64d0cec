import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '../../lib/database.js';
import { addDays, nightsBetween, todayIn } from '../../lib/dates.js';
import { badInput, conflict, forbidden, notFound } from '../../lib/errors.js';
import type { CancellationPolicy } from '../../contracts/homestay.js';
import { Homestay, HomestayBusiness, ROW_STATE_OFF_SALE, ROW_STATE_ON_SALE, type RowTypeCode } from './entities.js';
import { firstNightAbove, nightsOf, setClosed, withRetry, type NightAvailability } from './inventory.js';
import { businessFields, homestayFields, type HomestayFields, type HomestayInput } from './listing-rules.js';
import { isId } from './stay.js';

/** The most nights one setNightsClosed call covers: a year ahead, a leap day included. */
export const MAX_CLOSED_NIGHTS = 366;

export interface NewHomestay extends HomestayInput {
  businessId: string;
  title: string;
  city: string;
  peopleNum: number;
  roomCount: number;
  price: number;
  foodPrice: number;
  rowType: RowTypeCode;
  cancellationPolicy: CancellationPolicy;
}

/** What onSale means in the row. */
function applyFields(h: Homestay, fields: HomestayFields): void {
  const { onSale, ...columns } = fields;
  Object.assign(h, columns);
  if (onSale !== undefined) h.rowState = onSale ? ROW_STATE_ON_SALE : ROW_STATE_OFF_SALE;
}

/**
 * A landlord's side of the travel service: their business, their homestays and the nights they
 * close. Every write checks that the caller owns what it touches (FORBIDDEN otherwise; NOT_FOUND
 * for what does not exist) after checking the input, and changes nothing when it refuses.
 */
export class LandlordService {
  constructor(private readonly em: EntityManager) {}

  myBusinesses(userId: string): Promise<HomestayBusiness[]> {
    return this.em.find(HomestayBusiness, { userId, delState: 0 }, { orderBy: { id: 'asc' } });
  }

  /** One business per user: the unique user_id decides between concurrent calls. */
  async createBusiness(userId: string, input: { title: string; info?: string | null }): Promise<HomestayBusiness> {
    const fields = businessFields(input);
    if (await this.em.count(HomestayBusiness, { userId })) throw conflict('you already have a business');
    const em = this.em.fork();
    const business = em.create(HomestayBusiness, { ...fields, userId } as HomestayBusiness);
    try {
      await em.flush();
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) throw conflict('you already have a business');
      throw err;
    }
    return business;
  }

  async createHomestay(userId: string, input: NewHomestay): Promise<Homestay> {
    const fields = homestayFields(input);
    const business = isId(input.businessId) ? await this.em.findOne(HomestayBusiness, { id: input.businessId, delState: 0 }) : null;
    if (!business) throw notFound('business');
    if (String(business.userId) !== userId) throw forbidden('this business is not yours');
    if (business.rowState !== 1) throw forbidden('this business is banned');
    const homestay = this.em.create(Homestay, {
      homestayBusinessId: business.id,
      userId,
      rowState: ROW_STATE_ON_SALE,
      marketHomestayPrice: fields.homestayPrice,
    } as Homestay);
    applyFields(homestay, fields);
    await this.em.flush();
    return homestay;
  }

  /**
   * Only the given fields change, in one transaction that holds the homestay row exclusively: a
   * booking reads the row once (so it gets the old prices or the new ones, never a mix), and a
   * reserve holds it in share mode while it counts rooms, so a lower roomCount is checked against
   * counters no reserve is raising meanwhile (reservations.ts).
   */
  async updateHomestay(userId: string, id: string, input: HomestayInput): Promise<Homestay> {
    const fields = homestayFields(input);
    if (!isId(id)) throw notFound('homestay');
    return withRetry(() =>
      this.em.fork().transactional(async (tx) => {
        const h = await tx.findOne(Homestay, { id, delState: 0 }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
        if (!h) throw notFound('homestay');
        if (String(h.userId) !== userId) throw forbidden('this homestay is not yours');
        if (fields.roomCount !== undefined && fields.roomCount < h.roomCount) {
          const night = await firstNightAbove(tx as EntityManager, h.id, fields.roomCount, todayIn());
          if (night) throw conflict(`${night} already has more than ${fields.roomCount} rooms booked; roomCount cannot go below that`);
        }
        applyFields(h, fields);
        // The crossed-out price stays above the price.
        if (fields.homestayPrice !== undefined) h.marketHomestayPrice = Math.max(Number(h.marketHomestayPrice), fields.homestayPrice);
        return h;
      }),
    );
  }

  /** Closes or reopens the nights [from, to) of the caller's homestay; returns them as availability shows them. */
  async setNightsClosed(userId: string, homestayId: string, from: string, to: string, closed: boolean): Promise<NightAvailability[]> {
    const today = todayIn();
    if (from < today) throw badInput('from', `from must be today (${today}) or later`);
    const count = nightsBetween(from, to);
    if (!(count >= 1)) throw badInput('to', 'to must be after from');
    if (count > MAX_CLOSED_NIGHTS) throw badInput('to', `at most ${MAX_CLOSED_NIGHTS} nights at once`);
    const h = isId(homestayId) ? await this.em.findOne(Homestay, { id: homestayId, delState: 0 }) : null;
    if (!h) throw notFound('homestay');
    if (String(h.userId) !== userId) throw forbidden('this homestay is not yours');
    const nights = Array.from({ length: count }, (_, i) => addDays(from, i));
    await setClosed(this.em, h.id, nights, closed);
    return nightsOf(this.em, h, nights);
  }
}
