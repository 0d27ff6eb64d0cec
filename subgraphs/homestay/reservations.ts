import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '../../lib/database.js';
import { badInput, conflict, notFound, soldOut } from '../../lib/errors.js';
import { Homestay, ROW_STATE_ON_SALE } from './entities.js';
import { withRetry } from './inventory.js';
import { isId, stayNights } from './stay.js';
import { rowTypeOf, type HeldReservation, type HomestayInfo, type ReserveInput, type ReserveResult } from '../../contracts/homestay.js';

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(',');
const iso = (col: string) =>
  `concat(date_format(${col}, '%Y-%m-%dT%H:%i:%s.'), lpad(floor(microsecond(${col}) / 1000), 3, '0'), 'Z')`;

export function homestayInfo(h: Homestay): HomestayInfo {
  return {
    id: String(h.id),
    title: h.title,
    subTitle: h.subTitle,
    cover: h.banner.split(',')[0]?.trim() ?? '',
    info: h.info,
    peopleNum: h.peopleNum,
    roomCount: h.roomCount,
    rowType: rowTypeOf(h.rowType),
    onSale: h.rowState === ROW_STATE_ON_SALE,
    foodInfo: h.foodInfo,
    foodPrice: Number(h.foodPrice),
    price: Number(h.homestayPrice),
    marketPrice: Number(h.marketHomestayPrice),
    businessId: String(h.homestayBusinessId),
    landlordId: String(h.userId),
    cancellationPolicy: h.cancellationPolicy,
  };
}

/** The nights an sn already holds (a repeated reserve). */
type Held = { sn: string; nights: string[] };

/** Whether the homestay takes this booking: on sale, and room for the guests. */
function admit(h: HomestayInfo, guests: number | undefined): void {
  if (!h.onSale) throw conflict('homestay is not on sale');
  if (guests !== undefined && guests > h.peopleNum) throw badInput('guests', `this homestay takes at most ${h.peopleNum} guests`);
}

/**
 * The nightly room inventory. One inventory row per (homestay, night) counts the reserved rooms;
 * one reservation row per (order sn, night) records who holds them. Every increment is a guarded
 * UPDATE (`reserved < room_count`, night not closed) in one transaction with the reservation rows,
 * so a night is never sold twice and a stay is reserved for all its nights or none. room_count is
 * read in that transaction with the homestay row held in share mode: a landlord lowering it
 * (updateHomestay) locks the row exclusively, so the lowering and a reserve take turns and a
 * reserve never counts against a room_count that is no longer the homestay's.
 */
export class ReservationService {
  constructor(private readonly orm: MikroORM) {}

  private em(): EntityManager {
    return this.orm.em.fork() as EntityManager;
  }

  async get(id: unknown): Promise<HomestayInfo> {
    if (!isId(id)) throw notFound('homestay');
    const h = await this.em().findOne(Homestay, { id, delState: 0 });
    if (!h) throw notFound('homestay');
    return homestayInfo(h);
  }

  private async existing(em: EntityManager, sn: string): Promise<{ nights: string[]; released: boolean } | null> {
    const rows: { night: string; state: number }[] = await em.execute(
      `select date_format(night, '%Y-%m-%d') as night, state from homestay_reservation where sn = ? order by night`,
      [sn],
    );
    if (!rows.length) return null;
    return { nights: rows.map((r) => r.night), released: rows.every((r) => Number(r.state) === 1) };
  }

  /**
   * What an earlier call left for this sn: null when a reserve may run. The barrier answers first;
   * the reservation rows answer for sns reserved before the barrier existed.
   */
  private async already(em: EntityManager, sn: string, lock = ''): Promise<Held | null> {
    const barrier: { origin: string }[] = await em.execute(
      `select origin from homestay_reservation_barrier where sn = ? and op = 'reserve' ${lock}`,
      [sn],
    );
    // A released sn stays released, also when the release came first: a late or retried reserve
    // must not take the rooms of an order the order service has already given up.
    if (barrier[0]?.origin === 'release') throw conflict(`reservation ${sn} was already released`);
    const found = await this.existing(em, sn);
    if (!found) return null;
    if (found.released) throw conflict(`reservation ${sn} was already released`);
    return { sn, nights: found.nights };
  }

  /** A repeat's answer: what it holds, and the homestay as it is now (the first answer's may be lost). */
  private async repeated(prior: Held, homestayId: string): Promise<ReserveResult> {
    return { ...prior, alreadyReserved: true, homestay: await this.get(homestayId) };
  }

  async reserve(input: Partial<ReserveInput>): Promise<ReserveResult> {
    const { sn, homestayId } = input;
    if (typeof sn !== 'string' || !/^[\w-]{1,64}$/.test(sn)) throw badInput('sn', 'sn must be 1 to 64 letters, digits, _ or -');
    const nights = stayNights(input.checkIn, input.checkOut);
    if (!isId(homestayId)) throw notFound('homestay');
    const em = this.em();

    // Missing inventory rows are created outside the transaction: inside it, INSERT IGNORE would
    // take shared locks that the guarded UPDATE then needs to upgrade, a classic deadlock. Retried:
    // a landlord closing the same nights (inventory.ts setClosed) writes these rows too. Only for a
    // homestay on sale (the select), so an unknown or withdrawn one leaves no rows behind; a
    // repeated or released sn is told apart in the transaction, by the barrier (one round trip less
    // per booking than asking first: repeats are rare, bookings are not).
    await withRetry(() =>
      em.execute(
        `insert ignore into homestay_inventory (homestay_id, night, reserved)
         select h.id, n.night, 0 from homestay h
         join (${nights.map(() => 'select ? as night').join(' union all ')}) n
         where h.id = ? and h.del_state = 0 and h.row_state = ?`,
        [...nights, homestayId, ROW_STATE_ON_SALE],
        'run',
      ),
    );

    let outcome: ReserveResult | Held;
    try {
      outcome = await withRetry(() =>
        em.transactional(async (tx): Promise<ReserveResult | Held> => {
          // The barrier's try-row first. A concurrent reserve or release of the same sn waits here on
          // the unique key until this transaction ends; if one of them wrote the row first, this
          // insert is ignored and its origin decides: a repeat answers as before, a release refuses.
          const mark = (await tx.execute(
            `insert ignore into homestay_reservation_barrier (sn, op, origin) values (?, 'reserve', 'reserve')`,
            [sn],
            'run',
          )) as unknown as { affectedRows: number };
          if (mark.affectedRows === 0) {
            const prior = await this.already(tx as EntityManager, sn, 'lock in share mode');
            if (prior) return prior;
          }
          // Share mode: reserves run side by side, a change of the homestay (room_count, price, on
          // sale) waits for them and they for it, so the booking gets the homestay its nights were
          // counted against, and its snapshot and price are that homestay's.
          const rows: Record<string, unknown>[] = await tx.execute('select * from homestay where id = ? and del_state = 0 lock in share mode', [homestayId]);
          if (!rows.length) throw notFound('homestay');
          const homestay = homestayInfo(tx.map(Homestay, rows[0]!));
          admit(homestay, input.guests);
          // The unique (sn, night) key: sns reserved before the barrier existed are still repeats.
          await tx.execute(
            `insert into homestay_reservation (sn, homestay_id, night, state, reserved_at) values ${nights
              .map(() => '(?, ?, ?, 0, utc_timestamp(3))')
              .join(',')}`,
            nights.flatMap((n) => [sn, homestayId, n]),
            'run',
          );
          // Rows are locked in index order (homestay_id, night), the same in every transaction.
          const res = (await tx.execute(
            `update homestay_inventory set reserved = reserved + 1, version = version + 1
             where homestay_id = ? and night in (${placeholders(nights.length)}) and reserved < ? and closed = 0`,
            [homestayId, ...nights, homestay.roomCount],
            'run',
          )) as unknown as { affectedRows: number };
          if (res.affectedRows !== nights.length) throw soldOut('no room is free for every night of this stay');
          return { sn, nights, alreadyReserved: false, homestay };
        }),
      );
    } catch (err) {
      if (!(err instanceof UniqueConstraintViolationException)) throw err;
      const again = await this.already(this.em(), sn);
      if (!again) throw err;
      outcome = again;
    }
    return 'homestay' in outcome ? outcome : this.repeated(outcome, homestayId);
  }

  /**
   * Frees the nights an sn holds and bars any later reserve of it, also when nothing is held yet
   * (the order service gave up on a reserve that may still be running here). Repeats release 0.
   */
  async release(sn: unknown): Promise<{ sn: string; released: number }> {
    if (typeof sn !== 'string' || !sn || sn.length > 64) throw badInput('sn', 'sn must be 1 to 64 characters');
    return { sn, released: (await this.releaseMany([sn])).get(sn)! };
  }

  /**
   * release() for many sns in one transaction (the orders closed at one deadline): the nights
   * freed per sn. Locks are taken in one order whatever the batch (barrier and reservation rows in
   * sn order, inventory rows in index order), so batches sharing rows wait for each other rather
   * than deadlock; a deadlock with anything else is retried as every inventory transaction is.
   */
  async releaseMany(sns: readonly string[]): Promise<Map<string, number>> {
    const unique = [...new Set(sns)].sort();
    const marks = placeholders(unique.length);
    return withRetry(() =>
      this.em().transactional(async (tx) => {
        // Same rows, same order as a reserve takes them: a reserve still running commits or rolls
        // back before this goes on, and a reserve that comes later finds the row and is refused.
        // The second row records that a release ran, also for an sn that held nothing.
        await tx.execute(
          `insert ignore into homestay_reservation_barrier (sn, op, origin) values ${unique.map(() => "(?, 'reserve', 'release'), (?, 'release', 'release')").join(',')}`,
          unique.flatMap((sn) => [sn, sn]),
          'run',
        );
        // The held rows decide what to free, not the barrier: sns reserved before the barrier existed
        // (or by a process that did not know it yet) are freed by a repeat or by the sweep too.
        const held: { sn: string; homestay_id: string | number; night: string }[] = await tx.execute(
          `select sn, homestay_id, date_format(night, '%Y-%m-%d') as night from homestay_reservation
           where sn in (${marks}) and state = 0 order by sn, night for update`,
          unique,
        );
        const released = new Map(unique.map((sn) => [sn, 0]));
        if (!held.length) return released;
        await tx.execute(
          `update homestay_reservation set state = 1, released_at = utc_timestamp(3), version = version + 1 where sn in (${marks}) and state = 0`,
          unique,
          'run',
        );
        // One room less per held night; several sns may share a night. One UPDATE per homestay, in
        // homestay order, each walking its nights in index order: the order a reserve locks them in.
        const byHomestay = new Map<string, Map<string, number>>();
        for (const r of held) {
          released.set(r.sn, released.get(r.sn)! + 1);
          const nights = byHomestay.get(String(r.homestay_id)) ?? new Map<string, number>();
          nights.set(r.night, (nights.get(r.night) ?? 0) + 1);
          byHomestay.set(String(r.homestay_id), nights);
        }
        const homestays = [...byHomestay.keys()].sort((a, b) => a.length - b.length || a.localeCompare(b));
        for (const homestayId of homestays) {
          const nights = [...byHomestay.get(homestayId)!];
          // Never below 0, as the release of one room guards it (reserved > 0).
          await tx.execute(
            `update homestay_inventory set reserved = if(reserved > (case night ${nights.map(() => 'when ? then ?').join(' ')} end),
               reserved - (case night ${nights.map(() => 'when ? then ?').join(' ')} end), 0), version = version + 1
             where homestay_id = ? and night in (${placeholders(nights.length)}) and reserved > 0`,
            [...nights.flat(), ...nights.flat(), homestayId, ...nights.map(([night]) => night)],
            'run',
          );
        }
        return released;
      }),
    );
  }

  /**
   * Reservations still held after `olderThanMs`, one page in sn order after the `after` sn: the
   * sweep walks every page, since most held reservations belong to live orders and a first page
   * of those alone must not hide the orphans behind it.
   */
  async held(olderThanMs: unknown, limit: unknown = 500, after: unknown = ''): Promise<{ reservations: HeldReservation[] }> {
    if (typeof olderThanMs !== 'number' || !Number.isFinite(olderThanMs) || olderThanMs < 0) {
      throw badInput('olderThanMs', 'olderThanMs must be a non-negative number');
    }
    const n = limit === undefined || limit === null ? 500 : limit;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 5000) throw badInput('limit', 'limit must be 1 to 5000');
    const from = after === undefined || after === null ? '' : after;
    if (typeof from !== 'string' || from.length > 64) throw badInput('after', 'after must be an sn (at most 64 characters)');
    const rows: { sn: string; homestay_id: string | number; reserved_at: string }[] = await this.em().execute(
      `select sn, homestay_id, ${iso('min(reserved_at)')} as reserved_at from homestay_reservation
       where state = 0 and reserved_at < utc_timestamp(3) - interval ? microsecond and sn > ?
       group by sn, homestay_id order by sn limit ?`,
      [Math.floor(olderThanMs) * 1000, from, n],
    );
    return { reservations: rows.map((r) => ({ sn: r.sn, homestayId: String(r.homestay_id), reservedAt: r.reserved_at })) };
  }
}
