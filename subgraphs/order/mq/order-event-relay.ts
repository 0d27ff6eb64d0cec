import { OrderEventRelay } from '../events.js';
import { openOrderDomain } from './order-domain.js';
import type { JobRunner } from '../../../lib/job-runner.js';

/**
 * The relay of recorded order state changes (subgraphs/order/events.ts) in the jobs process, beside
 * the one in the order service: the jobs process changes orders too (close-order, the sweep), and
 * a change whose publish was lost still goes out while the order service is down. One relay
 * publishes at a time (a Redis lease).
 */
export const orderEventRelayRunner: JobRunner = {
  name: 'order-event-relay',
  async start(log) {
    const domain = await openOrderDomain(log);
    const relay = new OrderEventRelay(domain.orm, domain.redis, log);
    relay.start();
    return {
      close: async () => {
        await relay.stop();
        await domain.close();
      },
    };
  },
};
