import type DataLoader from 'dataloader';
import type { EntityManager, MikroORM } from '../../lib/database.js';
import type { Logger } from '../../lib/logger.js';
import { ORDER_STATE_CHANNEL } from '../../contracts/order.js';
import { batchWithin } from '../../lib/loader.js';
import { OutboxRelayLoop, updateOutboxRows, type RelayOptions } from '../../lib/outbox-relay.js';
import type { Redis } from '../../lib/redis.js';
import type { RecordedEvent } from './state-machine.js';
import { crashPoint } from './test-faults.js';

/**
 * Delivery of the recorded state changes (order_state_change, written by state-machine.ts in the
 * transaction of each change) to the Redis channel `<NAMESPACE>:order-state-changed`.
 *
 * The process that made a change publishes it at once and marks its row sent, so subscribers
 * hear of it as fast as before. Should that process die or Redis fail in between, the row stays
 * unsent and the relay publishes it: one relay at a time (the order service and every jobs
 * process run one; a Redis lease picks the active one), oldest row first, leaving rows younger
 * than DIRECT_GRACE_MS to their writer. A change may thus be published twice (the relay racing a
 * slow writer); both messages carry the same event id.
 */
export const DIRECT_GRACE_MS = 2000;

/**
 * Marks published changes sent, one UPDATE for every change published within a few milliseconds
 * (the concurrent bookings, payments and closes of a busy moment) instead of one each: one round
 * trip per order move less. The wait is short next to DIRECT_GRACE_MS, so the relay does not
 * take these rows meanwhile. One marker per database connection pool (the jobs process and tests
 * open more than one).
 */
const markers = new WeakMap<object, DataLoader<string, void>>();
function sentMarker(em: EntityManager): DataLoader<string, void> {
  const conn = em.getConnection();
  let marker = markers.get(conn);
  if (!marker) {
    marker = batchWithin<string, void>(2, 200, async (ids) => {
      await updateOutboxRows(conn, 'order_state_change', 'sent_at = current_timestamp(3), attempts = attempts + 1', ids, ' and sent_at is null');
      return ids.map(() => undefined);
    });
    markers.set(conn, marker);
  }
  return marker;
}

/**
 * Publishes one recorded change now and marks it sent; a failure is left to the relay. The caller
 * waits for the publish (subscribers hear of a change before its mutation answers) but not for the
 * mark: it only keeps the relay from publishing the change again, which a lost mark makes it do
 * after DIRECT_GRACE_MS, with the same event id. Waiting for it cost every booking and every
 * payment event a database round trip (bench/orders.ts, bench/payments.ts).
 */
export async function deliver(em: EntityManager, redis: Redis, log: Logger, recorded: RecordedEvent): Promise<void> {
  crashPoint('before-publish');
  const { sn } = recorded.event;
  try {
    await redis.publish(ORDER_STATE_CHANNEL(), JSON.stringify(recorded.event));
  } catch (err) {
    log.warn({ err: (err as Error).message, sn }, 'order state change not published yet; the relay will');
    return;
  }
  sentMarker(em)
    .load(recorded.rowId)
    .catch((err: Error) => log.warn({ err: err.message, sn }, 'order state change published but not marked sent; the relay will send it again'));
}

interface ChangeRow {
  id: string;
  payload: string;
}

export class OrderEventRelay extends OutboxRelayLoop<ChangeRow> {
  constructor(orm: MikroORM, redis: Redis, log: Logger, opts: RelayOptions = {}) {
    super(orm, redis, log, {
      table: 'order_state_change',
      columns: 'id, payload',
      lease: 'order-event-relay',
      ready: { sql: 'create_time < current_timestamp(3) - interval ? microsecond', params: () => [DIRECT_GRACE_MS * 1000] },
      async send(rows) {
        // One MULTI: the messages go out in row order, and all of them or none are acknowledged.
        const multi = redis.multi();
        for (const r of rows) multi.publish(ORDER_STATE_CHANNEL(), r.payload);
        const results = await multi.exec();
        const failed = results?.find(([err]) => err);
        if (!results || failed) throw failed?.[0] ?? new Error('redis refused the publish');
      },
    }, { keepSentMs: 24 * 3600_000, ...opts });
  }
}
