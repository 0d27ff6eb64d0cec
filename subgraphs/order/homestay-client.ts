import { homestayRoutes, type HeldReservation, type HomestayInfo, type ReserveInput } from '../../contracts/homestay.js';
import { call } from '../../lib/contract.js';

export type { HeldReservation, HomestayInfo };

/** The homestay service's internal API, as the order domain calls it (contracts/homestay.ts). */
export const homestayApi = {
  reserve: (body: ReserveInput, requestId?: string) => call('order', homestayRoutes.reserve, body, requestId),
  release: (sn: string, requestId?: string) => call('order', homestayRoutes.release, { sn }, requestId),
  /** The nights freed per sn. */
  releaseMany: async (sns: string[], requestId?: string) => (await call('order', homestayRoutes.releaseMany, { sns }, requestId)).released,
  held: (olderThanMs: number, limit = 500, after = '') => call('order', homestayRoutes.held, { olderThanMs, limit, after }),
};
