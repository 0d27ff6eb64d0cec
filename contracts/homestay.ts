import { z } from 'zod';
import { fields, route } from '../lib/contract.js';

/**
 * The homestay service's internal API (service credential only, under /internal). The order
 * service reads homestays and reserves, releases and lists nights through it; the homestay
 * service owns the inventory. Dates are calendar days; the service checks the range.
 */

/** How a homestay is priced: per room and night, or per guest and night. */
export const RowType = z.enum(['PER_ROOM', 'PER_PERSON']);
export type RowType = z.infer<typeof RowType>;

/**
 * looklook's row_type codes, stored by the homestay service (homestay.row_type) and by the order
 * service in its snapshot of the homestay (homestay_order.row_type): one map for both.
 */
export const ROW_TYPE_CODE = { PER_ROOM: 0, PER_PERSON: 1 } as const satisfies Record<RowType, number>;
/** The row type of a stored code (an unknown code prices per room, as looklook's default). */
export const rowTypeOf = (code: number): RowType => (code === ROW_TYPE_CODE.PER_PERSON ? 'PER_PERSON' : 'PER_ROOM');

/**
 * How much of a paid stay a guest gets back when cancelling (issue: refunds by policy; the rule
 * itself is subgraphs/order/refund-policy.ts). Stored by name in homestay.cancellation_policy and
 * snapshotted into the order at booking, so a later change of policy never alters a booking.
 */
export const CANCELLATION_POLICIES = ['FLEXIBLE', 'MODERATE', 'STRICT'] as const;
export const CancellationPolicy = z.enum(CANCELLATION_POLICIES);
export type CancellationPolicy = z.infer<typeof CancellationPolicy>;

/** What the order service reads of a homestay. */
export const HomestayInfo = z.object({
  id: z.string(),
  title: z.string(),
  subTitle: z.string(),
  cover: z.string(),
  info: z.string(),
  peopleNum: z.number().int(),
  roomCount: z.number().int(),
  rowType: RowType,
  onSale: z.boolean(),
  foodInfo: z.string(),
  foodPrice: fields.cents,
  price: fields.cents,
  marketPrice: fields.cents,
  businessId: z.string(),
  landlordId: z.string(),
  cancellationPolicy: CancellationPolicy,
});
export type HomestayInfo = z.infer<typeof HomestayInfo>;

/**
 * Its fields are named as the booking's input (createHomestayOrder's), so a refusal naming one
 * (BAD_USER_INPUT's argumentName) names the client's field too.
 */
export const ReserveInput = z.object({
  sn: fields.sn,
  homestayId: z.string().max(32),
  checkIn: z.string().max(10),
  checkOut: z.string().max(10),
  /** When given, a homestay that takes fewer guests refuses with BAD_USER_INPUT (guests). */
  guests: z.number().int().min(1).max(10_000).optional(),
});
export type ReserveInput = z.infer<typeof ReserveInput>;

/**
 * `homestay` is the homestay as it was when its nights were taken (read in the reserve's own
 * transaction): the booking's snapshot and price come from it, so a homestay changed or taken off
 * sale a moment before is never booked on what it was.
 */
export const ReserveResult = z.object({ sn: z.string(), nights: z.array(fields.date), alreadyReserved: z.boolean(), homestay: HomestayInfo });
export type ReserveResult = z.infer<typeof ReserveResult>;

export const HeldReservation = z.object({ sn: z.string(), homestayId: z.string(), reservedAt: fields.instant });
export type HeldReservation = z.infer<typeof HeldReservation>;

/** The most sns one release-many call may carry. */
export const RELEASE_BATCH_MAX = 500;

export const homestayRoutes = {
  /** NOT_FOUND for an unknown homestay. (A booking reads its homestay from the reserve's answer.) */
  get: route('homestay', '/homestays/get', z.object({ id: z.string().max(32) }), HomestayInfo),
  /**
   * One room for every night in [checkIn, checkOut), all or none; SOLD_OUT when a night is full,
   * CONFLICT when the homestay is off sale, NOT_FOUND when it does not exist. Repeating it is a
   * no-op; after a release of the same sn it is CONFLICT (the barrier).
   */
  reserve: route('homestay', '/reservations/reserve', ReserveInput, ReserveResult),
  /** Idempotent; records the sn even when it holds nothing, so a late reserve is refused. */
  release: route('homestay', '/reservations/release', z.object({ sn: fields.sn }), z.object({ sn: z.string(), released: z.number().int() })),
  /** release for many sns in one call (the orders closed at one deadline): nights freed per sn. */
  releaseMany: route(
    'homestay',
    '/reservations/release-many',
    z.object({ sns: z.array(fields.sn).min(1).max(RELEASE_BATCH_MAX) }),
    z.object({ released: z.record(z.string(), z.number().int()) }),
  ),
  /** One page of held reservations older than olderThanMs, in sn order after `after`. */
  held: route(
    'homestay',
    '/reservations/held',
    z.object({ olderThanMs: z.number().min(0), limit: z.number().int().min(1).max(5000).default(500), after: z.string().max(64).default('') }),
    z.object({ reservations: z.array(HeldReservation) }),
  ),
};
