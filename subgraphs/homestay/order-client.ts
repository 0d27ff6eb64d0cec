import { orderRoutes, type Stay } from '../../contracts/order.js';
import { call } from '../../lib/contract.js';

export type { Stay };

/** The order service's internal API, as the homestay service calls it (contracts/order.ts). */
export const orderApi = {
  stays: (userId: string, homestayId: string, requestId?: string) => call('homestay', orderRoutes.stays, { userId, homestayId }, requestId),
};
