import { callService } from '../../lib/internal-client.js';
// Type-only: the payment service owns this shape.
import type { CloseVerdict } from '../payment/service.js';

/** The payment service's internal API, as the order domain uses it (see subgraphs/payment). */
export const paymentApi = {
  /**
   * Closes the order's payments now, for a guest's cancel: `paid` when one already succeeded
   * (the order is paid, not cancelled), else its waiting payments turn FAILED.
   */
  closeForGuestCancel: (orderSn: string, requestId?: string) =>
    callService<CloseVerdict>('order', 'payment', '/payments/close-for-order', { orderSn, byGuest: true }, requestId),
};
