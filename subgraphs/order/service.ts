import type { EntityManager } from '../../lib/database.js';
import { OrderBooking, type BookingDeps } from './booking.js';
import { OrderCheckIn } from './check-in.js';
import { OrderQueries } from './queries.js';
import { OrderRefunds } from './refunds.js';
import { OrderTransitions } from './transitions.js';
import { SettlementQueries } from './settlements.js';

export { MAX_NIGHTS } from '../../contracts/stay.js';
export { checkOrderInput, inputFingerprint, newOrderSn, priceOrder, type CreateOrderInput } from './booking-rules.js';
export { newTradeCode } from './transitions.js';
export { toView } from './queries.js';

export type OrderDeps = BookingDeps;

/**
 * The order domain as its callers know it (resolvers, internal.ts, mq/): one object per
 * EntityManager, so a request or a job has one identity map whichever part it goes through. The
 * work is done by the booking saga (booking.ts), the transitions of an existing order
 * (transitions.ts), the refunds of paid stays (refunds.ts), the landlord's check-in
 * (check-in.ts) and the reads (queries.ts, settlements.ts); this only wires them together.
 */
export class OrderService {
  private readonly queries: OrderQueries;
  private readonly transitions: OrderTransitions;
  private readonly booking: OrderBooking;
  private readonly checkIns: OrderCheckIn;
  private readonly settlements: SettlementQueries;
  private readonly refunds: OrderRefunds;

  constructor(em: EntityManager, deps: OrderDeps) {
    this.queries = new OrderQueries(em);
    this.transitions = new OrderTransitions(em, deps, this.queries);
    this.booking = new OrderBooking(em, deps, this.transitions);
    this.checkIns = new OrderCheckIn(deps, this.queries, this.transitions);
    this.settlements = new SettlementQueries(em);
    this.refunds = new OrderRefunds(em, deps, this.queries, this.transitions);
  }

  // ---------------------------------------------------------------- booking

  create(...a: Parameters<OrderBooking['create']>) { return this.booking.create(...a); }
  stalePendingSns(...a: Parameters<OrderBooking['stalePendingSns']>) { return this.booking.stalePendingSns(...a); }
  failStalePending(...a: Parameters<OrderBooking['failStalePending']>) { return this.booking.failStalePending(...a); }
  orphanedSns(...a: Parameters<OrderBooking['orphanedSns']>) { return this.booking.orphanedSns(...a); }

  // ---------------------------------------------------------------- transitions

  transition(...a: Parameters<OrderTransitions['transition']>) { return this.transitions.transition(...a); }
  move(...a: Parameters<OrderTransitions['move']>) { return this.transitions.move(...a); }
  settle(...a: Parameters<OrderTransitions['settle']>) { return this.transitions.settle(...a); }
  cancel(...a: Parameters<OrderTransitions['cancel']>) { return this.transitions.cancel(...a); }
  closeManyIfUnpaid(...a: Parameters<OrderTransitions['closeManyIfUnpaid']>) { return this.transitions.closeManyIfUnpaid(...a); }
  payDeadlinesOf(...a: Parameters<OrderTransitions['payDeadlinesOf']>) { return this.transitions.payDeadlinesOf(...a); }
  overdueSns(...a: Parameters<OrderTransitions['overdueSns']>) { return this.transitions.overdueSns(...a); }
  releaseQuietly(...a: Parameters<OrderTransitions['releaseQuietly']>) { return this.transitions.releaseQuietly(...a); }
  checkIn(...a: Parameters<OrderCheckIn['checkIn']>) { return this.checkIns.checkIn(...a); }

  // ---------------------------------------------------------------- refunds

  requestRefund(...a: Parameters<OrderRefunds['request']>) { return this.refunds.request(...a); }
  payBackRefund(...a: Parameters<OrderRefunds['payBack']>) { return this.refunds.payBack(...a); }
  unconfirmedRefunds(...a: Parameters<OrderRefunds['unconfirmed']>) { return this.refunds.unconfirmed(...a); }
  recordPaymentRefund(...a: Parameters<OrderRefunds['recordPaymentRefund']>) { return this.refunds.recordPaymentRefund(...a); }

  // ---------------------------------------------------------------- reads

  findForUser(...a: Parameters<OrderQueries['findForUser']>) { return this.queries.findForUser(...a); }
  findBySns(...a: Parameters<OrderQueries['findBySns']>) { return this.queries.findBySns(...a); }
  listForUser(...a: Parameters<OrderQueries['listForUser']>) { return this.queries.listForUser(...a); }
  listForLandlord(...a: Parameters<OrderQueries['listForLandlord']>) { return this.queries.listForLandlord(...a); }
  view(...a: Parameters<OrderQueries['view']>) { return this.queries.view(...a); }
  dueForSettlement(...a: Parameters<OrderQueries['dueForSettlement']>) { return this.queries.dueForSettlement(...a); }
  staysOf(...a: Parameters<OrderQueries['staysOf']>) { return this.queries.staysOf(...a); }

  // ---------------------------------------------------------------- a landlord's earnings

  settlementsOf(...a: Parameters<SettlementQueries['forHomestay']>) { return this.settlements.forHomestay(...a); }
  income(...a: Parameters<SettlementQueries['income']>) { return this.settlements.income(...a); }
}
