import { badInput } from '../../lib/errors.js';
import { addDays } from '../../lib/dates.js';
import { isCalendarDate } from '../../lib/scalars.js';
import { stayLength } from '../../contracts/stay.js';

/**
 * The nights of [checkIn, checkOut) as YYYY-MM-DD, after checking the range: calendar days, and
 * the stay rule the order service holds too (contracts/stay.ts). Errors name the argument at fault.
 */
export function stayNights(checkIn: unknown, checkOut: unknown): string[] {
  if (typeof checkIn !== 'string' || !isCalendarDate(checkIn)) throw badInput('checkIn', 'checkIn must be a date YYYY-MM-DD');
  if (typeof checkOut !== 'string' || !isCalendarDate(checkOut)) throw badInput('checkOut', 'checkOut must be a date YYYY-MM-DD');
  return Array.from({ length: stayLength(checkIn, checkOut) }, (_, i) => addDays(checkIn, i));
}

/** A database id: digits only (anything else cannot name a row). */
export const isId = (id: unknown): id is string => typeof id === 'string' && /^[1-9]\d{0,19}$/.test(id);
