import type { Redis } from 'ioredis';
import { z } from 'zod';
import { fields, parseMessage, route } from '../lib/contract.js';
import { redisKey } from '../lib/redis.js';

/** The order states clients see (the schema's OrderState). */
export const ORDER_STATES = ['WAIT_PAY', 'WAIT_USE', 'USED', 'REFUNDED', 'CANCELLED'] as const;
export const OrderState = z.enum(ORDER_STATES);
export type OrderState = z.infer<typeof OrderState>;

/**
 * How far along its life an order in this state is. Each state comes from exactly one other
 * (`TRANSITIONS` in subgraphs/order/state-machine.ts; a unit test holds the two together), so the
 * states one order passes through have strictly increasing steps: a change to a step no later
 * than one already heard for that order is a repeat or a late arrival (a relay publishing a
 * change again, after a newer one went out directly), never news.
 */
export const ORDER_STATE_STEP: Record<OrderState, number> = { WAIT_PAY: 0, WAIT_USE: 1, CANCELLED: 1, USED: 2, REFUNDED: 2 };

/** The order as other services see it. */
export const OrderView = z.object({
  sn: z.string(),
  userId: z.string(),
  homestayId: z.string(),
  businessId: z.string(),
  title: z.string(),
  state: OrderState,
  /** cents */
  total: fields.cents,
  checkIn: fields.date,
  checkOut: fields.date,
  tradeCode: z.string().nullable(),
  paidAt: fields.instant.nullable(),
  payDeadline: fields.instant,
});
export type OrderView = z.infer<typeof OrderView>;

const Transitioned = z.object({ changed: z.boolean(), order: OrderView });
export type Transitioned = z.infer<typeof Transitioned>;

/** A finished stay (a USED order): what the homestay service needs to accept one review of it. */
export const Stay = z.object({ sn: z.string(), checkIn: fields.date, checkOut: fields.date, nights: z.number().int().min(1) });
export type Stay = z.infer<typeof Stay>;

/** The order service's internal API (service credential only, under /internal). */
export const orderRoutes = {
  /** Unknown sn → NOT_FOUND. */
  get: route('order', '/orders/get', z.object({ sn: z.string().min(1, 'sn is required').max(64) }), OrderView),
  /**
   * A guarded transition; one that cannot follow the current state → CONFLICT. For operators and
   * tests: the services' own moves go through the order domain.
   */
  transition: route(
    'order',
    '/orders/transition',
    z.object({
      sn: z.string().min(1, 'sn is required').max(64),
      to: z.enum(['WAIT_USE', 'USED', 'REFUNDED', 'CANCELLED'], 'to must be WAIT_USE, USED, REFUNDED or CANCELLED'),
      paidAt: fields.instant.nullish(),
    }),
    Transitioned,
  ),
  /** Orders owed a settlement (WAIT_USE, USED, or REFUNDED for less than the total) whose stay has ended, oldest first. */
  dueForSettlement: route(
    'order',
    '/orders/due-for-settlement',
    z.object({ limit: z.number().int().min(1).max(1000).default(100) }),
    z.object({ orders: z.array(OrderView) }),
  ),
  /**
   * The user's USED orders of one homestay, newest first (at most 100): the stays a review may
   * belong to (the homestay service allows one review per stay).
   */
  stays: route(
    'order',
    '/orders/stays',
    z.object({ userId: fields.id, homestayId: fields.id }),
    z.object({ stays: z.array(Stay) }),
  ),
};

/**
 * The order state-change channel: the order service and its jobs publish, the gateway's
 * subscription server listens. Redis pub/sub, never an in-process bus, so any number of instances
 * on either side see every change.
 */
export const OrderStateEvent = z.object({
  /**
   * Unique per change (the order service's `order_state_change.event_id`): a change may be
   * published more than once (a relay retrying after a crash), and repeats carry the same id.
   * Absent only in messages of older publishers.
   */
  id: z.string().optional(),
  sn: z.string(),
  userId: z.string(),
  /** null when the order is created (in WAIT_PAY). */
  from: OrderState.nullable(),
  to: OrderState,
  /** ISO 8601 instant of the change. */
  at: z.string(),
});
export type OrderStateEvent = z.infer<typeof OrderStateEvent>;

/** The Redis pub/sub channel inside the namespace. */
export const ORDER_STATE_CHANNEL = (): string => redisKey('order-state-changed');

export async function publishOrderStateChange(redis: Redis, event: OrderStateEvent): Promise<void> {
  await redis.publish(ORDER_STATE_CHANNEL(), JSON.stringify(event));
}

/** Parses a message of the channel; anything malformed is null. */
export const parseOrderStateEvent = (message: string): OrderStateEvent | null => parseMessage(OrderStateEvent, message);
