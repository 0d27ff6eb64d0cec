import type { Redis } from 'ioredis';
import { redisKey } from './redis.js';

/**
 * The order state-change channel, shared by the order service and the jobs process (publishers)
 * and the gateway's subscription server (subscriber). Redis pub/sub, never an in-process bus, so
 * any number of instances on either side see every change.
 */
export const ORDER_STATES = ['WAIT_PAY', 'WAIT_USE', 'USED', 'REFUNDED', 'CANCELLED'] as const;
export type OrderState = (typeof ORDER_STATES)[number];

/** One change of an order's state. `from` is null when the order is created (in WAIT_PAY). */
export interface OrderStateEvent {
  /**
   * Unique per change (the order service's `order_state_change.event_id`): a change may be
   * published more than once (a relay retrying after a crash), and repeats carry the same id.
   * Absent only in messages of older publishers.
   */
  id?: string;
  sn: string;
  userId: string;
  from: OrderState | null;
  to: OrderState;
  /** ISO 8601 instant of the change. */
  at: string;
}

/** The Redis pub/sub channel inside the namespace. */
export const ORDER_STATE_CHANNEL = (): string => redisKey('order-state-changed');

export async function publishOrderStateChange(redis: Redis, event: OrderStateEvent): Promise<void> {
  await redis.publish(ORDER_STATE_CHANNEL(), JSON.stringify(event));
}

/** Parses a message of the channel; anything malformed is null. */
export function parseOrderStateEvent(message: string): OrderStateEvent | null {
  try {
    const e = JSON.parse(message) as OrderStateEvent;
    if ((e.id === undefined || typeof e.id === 'string') && typeof e.sn === 'string' && typeof e.userId === 'string' && ORDER_STATES.includes(e.to) && typeof e.at === 'string') return e;
  } catch {
    // fall through
  }
  return null;
}
