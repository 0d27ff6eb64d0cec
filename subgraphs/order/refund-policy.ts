import type { CancellationPolicy } from '../../contracts/homestay.js';
import { startOfDayIn } from '../../lib/dates.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * What a guest gets back when cancelling a paid stay (issue 13), in cents, rounded down. It
 * depends on the time left until the check-in day starts (local midnight of `checkInDay` in
 * `timeZone`, APP_TIMEZONE for real orders); "n days before" is n × 24 hours before that instant.
 * A boundary instant itself still gets the larger refund ("until 24 h before" includes 24 h).
 *
 * - FLEXIBLE (also an order booked before policies, whose snapshot is null): everything until
 *   24 h before, nothing after;
 * - MODERATE: everything until 5 days before, half after that, nothing once check-in day has started;
 * - STRICT: half until 7 days before, nothing after.
 */
export function refundAmount(policy: CancellationPolicy | null, total: number, checkInDay: string, now: Date, timeZone: string): number {
  const left = startOfDayIn(checkInDay, timeZone).getTime() - now.getTime();
  const half = Math.floor(total / 2);
  switch (policy ?? 'FLEXIBLE') {
    case 'FLEXIBLE':
      return left >= DAY ? total : 0;
    case 'MODERATE':
      if (left >= 5 * DAY) return total;
      return left > 0 ? half : 0;
    case 'STRICT':
      return left >= 7 * DAY ? half : 0;
  }
}
