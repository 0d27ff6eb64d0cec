import { nightsBetween } from '../lib/dates.js';
import { badInput } from '../lib/errors.js';

/**
 * The stay rule the order and homestay services must agree on: a booking the order service takes
 * is one the homestay service reserves, and an availability question covers what can be booked.
 */

/** The longest stay one booking, reservation or availability question may cover. */
export const MAX_NIGHTS = 30;

/**
 * Nights of the stay [checkIn, checkOut) (calendar days YYYY-MM-DD): checkOut after checkIn, at
 * most MAX_NIGHTS nights, else BAD_USER_INPUT naming `argument` (the caller's path to checkOut).
 */
export function stayLength(checkIn: string, checkOut: string, argument = 'checkOut'): number {
  const nights = nightsBetween(checkIn, checkOut);
  // Written so that a date nightsBetween cannot read (NaN) is refused too.
  if (!(nights >= 1)) throw badInput(argument, 'checkOut must be after checkIn');
  if (nights > MAX_NIGHTS) throw badInput(argument, `a stay covers at most ${MAX_NIGHTS} nights`);
  return nights;
}
