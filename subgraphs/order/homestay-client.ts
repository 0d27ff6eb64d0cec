import { callService } from '../../lib/internal-client.js';
// Type-only: the homestay service owns these shapes; importing them keeps the two sides from drifting.
import type { HeldReservation, HomestayInfo, ReserveInput, ReserveResult } from '../homestay/reservations.js';

export type { HeldReservation, HomestayInfo };

/** The homestay service's internal API, as the order domain uses it (see subgraphs/homestay). */
export const homestayApi = {
  /** NOT_FOUND for an unknown homestay. */
  get: (id: string, requestId?: string) => callService<HomestayInfo>('order', 'homestay', '/homestays/get', { id }, requestId),
  /** One room for every night in [checkIn, checkOut), all or none; SOLD_OUT when a night is full. */
  reserve: (body: ReserveInput, requestId?: string) =>
    callService<ReserveResult>('order', 'homestay', '/reservations/reserve', body, requestId),
  /** Idempotent. */
  release: (sn: string, requestId?: string) =>
    callService<{ sn: string; released: number }>('order', 'homestay', '/reservations/release', { sn }, requestId),
  /** One page of held reservations in sn order, after the `after` sn. */
  held: (olderThanMs: number, limit = 500, after = '') =>
    callService<{ reservations: HeldReservation[] }>('order', 'homestay', '/reservations/held', { olderThanMs, limit, after }),
};
