import type express from 'express';
import { homestayRoutes } from '../../contracts/homestay.js';
import { serve } from '../../lib/contract.js';
import type { ReservationService } from './reservations.js';

/** The homestay service's internal API (contracts/homestay.ts), for the order service only. */
export function internalRoutes(reservations: ReservationService) {
  return (router: express.Router) => {
    serve(router, homestayRoutes.get, (b) => reservations.get(b.id));
    serve(router, homestayRoutes.reserve, (b) => reservations.reserve(b));
    serve(router, homestayRoutes.release, (b) => reservations.release(b.sn));
    serve(router, homestayRoutes.releaseMany, async (b) => ({ released: Object.fromEntries(await reservations.releaseMany(b.sns)) }));
    serve(router, homestayRoutes.held, (b) => reservations.held(b.olderThanMs, b.limit, b.after));
  };
}
