import type { EntityManager } from '../../lib/database.js';
import { rowReader, selectRows, type RowReader } from '../../lib/rows.js';
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
const placeholders = (values: readonly unknown[]) => values.map(() => '?').join(',');

/** What a page of homestays also fetches in its one query, for the fields its nodes select. */
export interface PageJoins {
  business?: boolean;
  rating?: boolean;
}

/** What a page's query brought along with a row (PageJoins); absent on rows read without it. */
export const ALONG = Symbol('along');
export interface Along {
  business?: HomestayBusiness;
  rating?: Rating;
}
/** A homestay row, with what its page's query brought along. */
export type HomestayRow = Homestay & { [ALONG]?: Along };

/**
 * The travel service's reads; resolvers and seeders go through it. They read plain rows
 * (lib/rows.ts): nothing here is written back, so no entity is hydrated.
 */
export class HomestayService {
  private readonly homestayRows: RowReader<Homestay>;
  private readonly businessRows: RowReader<HomestayBusiness>;
  private readonly commentRows: RowReader<HomestayComment>;

  constructor(private readonly em: EntityManager) {
    this.homestayRows = rowReader(em, Homestay);
    this.businessRows = rowReader(em, HomestayBusiness);
    this.commentRows = rowReader(em, HomestayComment);
  }

  async findByIds(ids: readonly string[]): Promise<Homestay[]> {
    const valid = ids.filter(isId);
    if (!valid.length) return [];
    const rows = await selectRows(this.em, `select ${this.homestayRows.columns('h')} from homestay h where h.id in (${placeholders(valid)})`, valid);
    return rows.map((r) => this.homestayRows.read(r));
  }

  async findBusinessesByIds(ids: readonly string[]): Promise<HomestayBusiness[]> {
    const valid = ids.filter(isId);
    if (!valid.length) return [];
    const rows = await selectRows(this.em, `select ${this.businessRows.columns('b')} from homestay_business b where b.id in (${placeholders(valid)})`, valid);
    return rows.map((r) => this.businessRows.read(r));
  }

  async ratings(ids: readonly string[]): Promise<Rating[]> {
    const valid = ids.filter(isId);
    if (!valid.length) return [];
    const rows: { homestay_id: string | number; rating: string | number | null; n: string | number }[] = await this.em.execute(
      `select homestay_id, avg(star) as rating, count(*) as n from homestay_comment
       where del_state = 0 and homestay_id in (${placeholders(valid)}) group by homestay_id`,
      valid,
    );
    return rows.map((r) => ({ homestayId: String(r.homestay_id), rating: r.rating === null ? null : Number(r.rating), count: Number(r.n) }));
  }

  /**
   * Homestays on sale, newest first, keyset paginated on id: one query, which also brings each
   * row's business and rating when `joins` asks for them (the page's rows first, in a derived
   * table, so the rating subqueries run for the page's rows only, whatever plan the filters get).
   */
  async list(args: HomestayListArgs, businessId?: string, joins: PageJoins = {}): Promise<Connection<HomestayRow>> {
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
    const where: string[] = [];
    const params: unknown[] = [];
    const and = (condition: string, ...values: unknown[]) => {
      where.push(condition);
      params.push(...values);
    };
    and('h.row_state = ? and h.del_state = 0', ROW_STATE_ON_SALE);
    if (after) and('h.id < ?', after);
    if (businessId) and('h.homestay_business_id = ?', businessId);
    if (args.city) and('h.city = ?', args.city);
    if (args.guests) and('h.people_num >= ?', args.guests);
    if ((args.scope ?? 'PREFERRED') === 'PREFERRED' && !businessId) {
      and('h.id in (select a.data_id from homestay_activity a where a.row_type = ? and a.row_status = 1 and a.del_state = 0)', ACTIVITY_PREFERRED_HOMESTAY);
    }
    if (stay) {
      // A night is out when it is full or closed by the landlord (inventory.ts).
      and(
        'h.room_count > 0 and not exists (select 1 from homestay_inventory i where i.homestay_id = h.id and i.night >= ? and i.night < ? and (i.reserved >= h.room_count or i.closed = 1))',
        args.checkIn,
        args.checkOut,
      );
    }
    params.push(size + 1);
    const pageSql = `select ${this.homestayRows.columns('h')} from homestay h where ${where.join(' and ')} order by h.id desc limit ?`;
    let sql = pageSql;
    if (joins.business || joins.rating) {
      const extra = [
        ...(joins.business ? [this.businessRows.columns('b', 'b__')] : []),
        ...(joins.rating
          ? [
              '(select avg(c.star) from homestay_comment c where c.homestay_id = p.id and c.del_state = 0) as r__rating',
              '(select count(*) from homestay_comment c where c.homestay_id = p.id and c.del_state = 0) as r__count',
            ]
          : []),
      ];
      sql = `select p.*, ${extra.join(', ')} from (${pageSql}) p
        ${joins.business ? 'left join homestay_business b on b.id = p.homestay_business_id' : ''} order by p.id desc`;
    }
    const rows = await selectRows(this.em, sql, params);
    const homestays = rows.map((r) => {
      const row: HomestayRow = this.homestayRows.read(r);
      if (joins.business || joins.rating) {
        row[ALONG] = {
          business: joins.business && r.b__id !== null ? this.businessRows.read(r, 'b__') : undefined,
          rating: joins.rating ? { homestayId: row.id, rating: r.r__rating === null ? null : Number(r.r__rating), count: Number(r.r__count) } : undefined,
        };
      }
      return row;
    });
    return toConnection(homestays, size, byId, Boolean(after));
  }

  /** looklook's guessList: the five newest homestays on sale. */
  async guessYouLike(): Promise<Homestay[]> {
    const rows = await selectRows(
      this.em,
      `select ${this.homestayRows.columns('h')} from homestay h where h.row_state = ? and h.del_state = 0 order by h.id desc limit 5`,
      [ROW_STATE_ON_SALE],
    );
    return rows.map((r) => this.homestayRows.read(r));
  }

  /** Open businesses, newest first. */
  async businesses(args: PageArgs): Promise<Connection<HomestayBusiness>> {
    const size = pageSize(args.first);
    const after = afterId(args.after);
    const rows = await selectRows(
      this.em,
      `select ${this.businessRows.columns('b')} from homestay_business b
       where b.row_state = 1 and b.del_state = 0 ${after ? 'and b.id < ?' : ''} order by b.id desc limit ?`,
      after ? [after, size + 1] : [size + 1],
    );
    return toConnection(rows.map((r) => this.businessRows.read(r)), size, byId, Boolean(after));
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
    return this.firstRowsPer(this.homestayRows, 'homestayBusinessId', 'homestay_business_id', businessIds, rowsEach, 'and t.row_state = ?', [ROW_STATE_ON_SALE]);
  }

  /** The first `rowsEach` comments of each homestay, newest first, in one query. */
  firstCommentsOf(homestayIds: readonly string[], rowsEach: number): Promise<Map<string, HomestayComment[]>> {
    return this.firstRowsPer(this.commentRows, 'homestayId', 'homestay_id', homestayIds, rowsEach);
  }

  /** The newest `rowsEach` live rows per parent (ROW_NUMBER over the parent column), grouped by parent. */
  private async firstRowsPer<T extends { id: string }>(
    reader: RowReader<T>,
    parentProperty: keyof T,
    parentColumn: string,
    parentIds: readonly string[],
    rowsEach: number,
    extraWhere = '',
    extraParams: unknown[] = [],
  ): Promise<Map<string, T[]>> {
    const out = new Map<string, T[]>();
    const valid = parentIds.filter(isId);
    if (!valid.length) return out;
    const rows = await selectRows(
      this.em,
      `select * from (
         select ${reader.columns('t')}, row_number() over (partition by t.${parentColumn} order by t.id desc) as rn from ${reader.table} t
         where t.${parentColumn} in (${placeholders(valid)}) and t.del_state = 0 ${extraWhere}
       ) x where x.rn <= ? order by x.${parentColumn}, x.id desc`,
      [...valid, ...extraParams, rowsEach],
    );
    for (const r of rows) {
      const row = reader.read(r);
      const parent = String(row[parentProperty]);
      (out.get(parent) ?? out.set(parent, []).get(parent)!).push(row);
    }
    return out;
  }

  async comments(homestayId: string, args: PageArgs): Promise<Connection<HomestayComment>> {
    const size = pageSize(args.first);
    const after = afterId(args.after);
    const rows = await selectRows(
      this.em,
      `select ${this.commentRows.columns('c')} from homestay_comment c
       where c.homestay_id = ? and c.del_state = 0 ${after ? 'and c.id < ?' : ''} order by c.id desc limit ?`,
      after ? [homestayId, after, size + 1] : [homestayId, size + 1],
    );
    return toConnection(rows.map((r) => this.commentRows.read(r)), size, byId, Boolean(after));
  }

  /** Every night of [checkIn, checkOut) with its reserved rooms and whether the landlord closed it. */
  availability(homestay: Homestay, checkIn: string, checkOut: string): Promise<NightAvailability[]> {
    return nightsOf(this.em, homestay, stayNights(checkIn, checkOut));
  }
}
