import { badInput } from '../../lib/errors.js';
import { addDays, nightsBetween } from '../../lib/dates.js';
import { isCalendarDate } from '../../lib/scalars.js';

/** The longest stay one reservation (or one availability question) may cover. */
export const MAX_NIGHTS = 30;

/**
 * The nights of [checkIn, checkOut) as YYYY-MM-DD, after checking the range: calendar days,
 * checkOut after checkIn, at most MAX_NIGHTS nights. Errors name the argument at fault.
 */
export function stayNights(checkIn: unknown, checkOut: unknown, names = { checkIn: 'checkIn', checkOut: 'checkOut' }): string[] {
  if (typeof checkIn !== 'string' || !isCalendarDate(checkIn)) throw badInput(names.checkIn, `${names.checkIn} must be a date YYYY-MM-DD`);
  if (typeof checkOut !== 'string' || !isCalendarDate(checkOut)) throw badInput(names.checkOut, `${names.checkOut} must be a date YYYY-MM-DD`);
  const n = nightsBetween(checkIn, checkOut);
  if (n < 1) throw badInput(names.checkOut, `${names.checkOut} must be after ${names.checkIn}`);
  if (n > MAX_NIGHTS) throw badInput(names.checkOut, `a stay covers at most ${MAX_NIGHTS} nights`);
  return Array.from({ length: n }, (_, i) => addDays(checkIn, i));
}

/** A database id: digits only (anything else cannot name a row). */
export const isId = (id: unknown): id is string => typeof id === 'string' && /^[1-9]\d{0,19}$/.test(id);
