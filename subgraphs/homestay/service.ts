import type { EntityManager } from '../../lib/database.js';
import { decodeCursor, pageSize, toConnection, type Connection, type PageArgs } from '../../lib/connection.js';
import { badInput } from '../../lib/errors.js';
import {
  ACTIVITY_GOOD_BUSINESS,
  ACTIVITY_PREFERRED_HOMESTAY,
  Homestay,
  HomestayBusiness,
  HomestayComment,
  ROW_STATE_ON_SALE,
} from './entities.js';
import { nightsOf, type NightAvailability } from './inventory.js';
import { isId, stayNights } from './stay.js';

export interface HomestayListArgs extends PageArgs {
  city?: string | null;
  guests?: number | null;
  checkIn?: string | null;
  checkOut?: string | null;
  scope?: 'PREFERRED' | 'ALL' | null;
}

export interface Rating {
  homestayId: string;
  rating: number | null;
  count: number;
}

/** The id part of a keyset cursor over `id desc`. */
function afterId(after: string | null | undefined): string | undefined {
  const key = decodeCursor(after, 1);
  if (!key) return undefined;
  const id = String(key[0]);
  if (!isId(id)) throw badInput('after', 'after is not a valid cursor');
  return id;
}

const byId = (row: { id: string }) => [String(row.id)];

/** The travel service's reads; resolvers and seeders go through it. */
export class HomestayService {
  constructor(private readonly em: EntityManager) {}

  findByIds(ids: readonly string[]): Promise<Homestay[]> {
    const valid = ids.filter(isId);
    return valid.length ? this.em.find(Homestay, { id: { $in: valid } }) : Promise.resolve([]);
  }

  findBusinessesByIds(ids: readonly string[]): Promise<HomestayBusiness[]> {
    const valid = ids.filter(isId);
    return valid.length ? this.em.find(HomestayBusiness, { id: { $in: valid } }) : Promise.resolve([]);
  }

  async ratings(ids: readonly string[]): Promise<Rating[]> {
    const valid = ids.filter(isId);
    if (!valid.length) return [];
    const rows: { homestay_id: string | number; rating: string | number | null; n: string | number }[] = await this.em.execute(
      `select homestay_id, avg(star) as rating, count(*) as n from homestay_comment
       where del_state = 0 and homestay_id in (${valid.map(() => '?').join(',')}) group by homestay_id`,
      valid,
    );
    return rows.map((r) => ({ homestayId: String(r.homestay_id), rating: r.rating === null ? null : Number(r.rating), count: Number(r.n) }));
  }

  /** Homestays on sale, newest first, keyset paginated on id. */
  async list(args: HomestayListArgs, businessId?: string): Promise<Connection<Homestay>> {
    const size = pageSize(args.first);
    const after = afterId(args.after);
    if (args.guests !== null && args.guests !== undefined && (!Number.isInteger(args.guests) || args.guests < 1)) {
      throw badInput('guests', 'guests must be at least 1');
    }
    let stay: string[] | undefined;
    if (args.checkIn != null || args.checkOut != null) {
      if (args.checkIn == null) throw badInput('checkIn', 'checkIn is needed with checkOut');
      if (args.checkOut == null) throw badInput('checkOut', 'checkOut is needed with checkIn');
      stay = stayNights(args.checkIn, args.checkOut);
    }
    const qb = this.em.createQueryBuilder(Homestay, 'h').select('*').where({ rowState: ROW_STATE_ON_SALE, delState: 0 });
    if (after) qb.andWhere({ id: { $lt: after } });
    if (businessId) qb.andWhere({ homestayBusinessId: businessId });
    if (args.city) qb.andWhere({ city: args.city });
    if (args.guests) qb.andWhere({ peopleNum: { $gte: args.guests } });
    if ((args.scope ?? 'PREFERRED') === 'PREFERRED' && !businessId) {
      qb.andWhere('h.id in (select a.data_id from homestay_activity a where a.row_type = ? and a.row_status = 1 and a.del_state = 0)', [
        ACTIVITY_PREFERRED_HOMESTAY,
      ]);
    }
    if (stay) {
      qb.andWhere('h.room_count > 0');
      // A night is out when it is full or closed by the landlord (inventory.ts).
      qb.andWhere(
        'not exists (select 1 from homestay_inventory i where i.homestay_id = h.id and i.night >= ? and i.night < ? and (i.reserved >= h.room_count or i.closed = 1))',
        [args.checkIn, args.checkOut],
      );
    }
    qb.orderBy({ id: 'desc' }).limit(size + 1);
    const rows = await qb.getResultList();
    return toConnection(rows, size, byId, Boolean(after));
  }

  /** looklook's guessList: the five newest homestays on sale. */
  guessYouLike(): Promise<Homestay[]> {
    return this.em.find(Homestay, { rowState: ROW_STATE_ON_SALE, delState: 0 }, { orderBy: { id: 'desc' }, limit: 5 });
  }

  async findOne(id: string): Promise<Homestay | null> {
    if (!isId(id)) return null;
    return this.em.findOne(Homestay, { id, delState: 0 });
  }

  async findBusiness(id: string): Promise<HomestayBusiness | null> {
    if (!isId(id)) return null;
    return this.em.findOne(HomestayBusiness, { id, delState: 0 });
  }

  /** Open businesses, newest first. */
  async businesses(args: PageArgs): Promise<Connection<HomestayBusiness>> {
    const size = pageSize(args.first);
    const after = afterId(args.after);
    const rows = await this.em.find(
      HomestayBusiness,
      { rowState: 1, delState: 0, ...(after ? { id: { $lt: after } } : {}) },
      { orderBy: { id: 'desc' }, limit: size + 1 },
    );
    return toConnection(rows, size, byId, Boolean(after));
  }

  /** looklook's goodBoss: the landlords of the businesses in activity goodBusiness, at most 10. */
  async goodBossIds(): Promise<string[]> {
    const rows: { user_id: string | number }[] = await this.em.execute(
      `select b.user_id from homestay_activity a join homestay_business b on b.id = a.data_id
       where a.row_type = ? and a.row_status = 1 and a.del_state = 0 and b.del_state = 0 and b.row_state = 1
       order by a.id limit 10`,
      [ACTIVITY_GOOD_BUSINESS],
    );
    return rows.map((r) => String(r.user_id));
  }

  /** The first `rowsEach` homestays on sale of each business, newest first, in one query. */
  firstHomestaysOf(businessIds: readonly string[], rowsEach: number): Promise<Map<string, Homestay[]>> {
    return this.firstRowsPer(Homestay, 'homestay', 'homestay_business_id', businessIds, rowsEach, 'and t.row_state = ?', [ROW_STATE_ON_SALE]);
  }

  /** The first `rowsEach` comments of each homestay, newest first, in one query. */
  firstCommentsOf(homestayIds: readonly string[], rowsEach: number): Promise<Map<string, HomestayComment[]>> {
    return this.firstRowsPer(HomestayComment, 'homestay_comment', 'homestay_id', homestayIds, rowsEach);
  }

  /** The newest `rowsEach` live rows per parent (ROW_NUMBER over the parent column), grouped by parent. */
  private async firstRowsPer<T extends { id: string }>(
    entity: new () => T,
    table: string,
    parentColumn: string,
    parentIds: readonly string[],
    rowsEach: number,
    extraWhere = '',
    extraParams: unknown[] = [],
  ): Promise<Map<string, T[]>> {
    const out = new Map<string, T[]>();
    const valid = parentIds.filter(isId);
    if (!valid.length) return out;
    const rows: Record<string, unknown>[] = await this.em.execute(
      `select * from (
         select t.*, row_number() over (partition by t.${parentColumn} order by t.id desc) as rn from ${table} t
         where t.${parentColumn} in (${valid.map(() => '?').join(',')}) and t.del_state = 0 ${extraWhere}
       ) x where x.rn <= ? order by x.${parentColumn}, x.id desc`,
      [...valid, ...extraParams, rowsEach],
    );
    for (const { rn: _rn, ...row } of rows) {
      const parent = String(row[parentColumn]);
      (out.get(parent) ?? out.set(parent, []).get(parent)!).push(this.em.map(entity, row));
    }
    return out;
  }

  async comments(homestayId: string, args: PageArgs): Promise<Connection<HomestayComment>> {
    const size = pageSize(args.first);
    const after = afterId(args.after);
    const rows = await this.em.find(
      HomestayComment,
      { homestayId, delState: 0, ...(after ? { id: { $lt: after } } : {}) },
      { orderBy: { id: 'desc' }, limit: size + 1 },
    );
    return toConnection(rows, size, byId, Boolean(after));
  }

  /** Every night of [checkIn, checkOut) with its reserved rooms and whether the landlord closed it. */
  availability(homestay: Homestay, checkIn: string, checkOut: string): Promise<NightAvailability[]> {
    return nightsOf(this.em, homestay, stayNights(checkIn, checkOut));
  }
}
