import { DeadlockException, LockWaitTimeoutException } from '@mikro-orm/core';
import type { EntityManager } from '../../lib/database.js';
import { addDays } from '../../lib/dates.js';

/**
 * The nightly inventory as landlords and guests see it: one homestay_inventory row per (homestay,
 * night) with the rooms reserved (written only by reservations.ts) and whether the landlord closed
 * the night. A closed night is sold out to new bookings (the reserve's guarded UPDATE reads the
 * flag in the same statement as the counter), and the bookings it already has keep their rooms.
 */

const MAX_ATTEMPTS = 8;

export interface NightAvailability {
  night: string;
  reserved: number;
  free: number;
  available: boolean;
  closed: boolean;
}

/** Retries a transaction that lost a deadlock or timed out waiting for a lock. */
export async function withRetry<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      const retryable = err instanceof DeadlockException || err instanceof LockWaitTimeoutException;
      if (!retryable || attempt >= MAX_ATTEMPTS) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
    }
  }
}

/** The given consecutive nights (ascending) of a homestay, as `availability` shows them. */
export async function nightsOf(em: EntityManager, homestay: { id: string; roomCount: number }, nights: string[]): Promise<NightAvailability[]> {
  if (!nights.length) return [];
  const rows: { night: string; reserved: number; closed: number }[] = await em.execute(
    `select date_format(night, '%Y-%m-%d') as night, reserved, closed from homestay_inventory
     where homestay_id = ? and night >= ? and night < ?`,
    [homestay.id, nights[0], addDays(nights[nights.length - 1]!, 1)],
  );
  const byNight = new Map(rows.map((r) => [r.night, r]));
  return nights.map((night) => {
    const row = byNight.get(night);
    const reserved = Number(row?.reserved ?? 0);
    const closed = Number(row?.closed ?? 0) === 1;
    const free = closed ? 0 : Math.max(0, homestay.roomCount - reserved);
    return { night, reserved, free, available: free > 0, closed };
  });
}

/**
 * Closes or reopens nights. A night nobody asked for yet has no row: closing writes one (the
 * reserve's INSERT IGNORE then keeps it as it is).
 */
export async function setClosed(em: EntityManager, homestayId: string, nights: string[], closed: boolean): Promise<void> {
  if (!nights.length) return;
  await withRetry(async () => {
    if (closed) {
      await em.execute(
        `insert into homestay_inventory (homestay_id, night, reserved, closed) values ${nights.map(() => '(?, ?, 0, 1)').join(',')}
         on duplicate key update closed = 1, version = version + 1`,
        nights.flatMap((n) => [homestayId, n]),
        'run',
      );
    } else {
      await em.execute(
        `update homestay_inventory set closed = 0, version = version + 1 where homestay_id = ? and night >= ? and night < ? and closed = 1`,
        [homestayId, nights[0], addDays(nights[nights.length - 1]!, 1)],
        'run',
      );
    }
  });
}

/**
 * The first night from `from` on that holds more reservations than `roomCount`, or null. Run in the
 * transaction that holds the homestay row locked: a locking read, so it sees the latest committed
 * counters, and no reserve can add to them meanwhile (each reserve holds that row in share mode).
 */
export async function firstNightAbove(tx: EntityManager, homestayId: string, roomCount: number, from: string): Promise<string | null> {
  const rows: { night: string }[] = await tx.execute(
    `select date_format(night, '%Y-%m-%d') as night from homestay_inventory
     where homestay_id = ? and night >= ? and reserved > ? order by night limit 1 lock in share mode`,
    [homestayId, from, roomCount],
  );
  return rows[0]?.night ?? null;
}
