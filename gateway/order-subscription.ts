import type { GraphQLFieldResolver } from 'graphql';
import { domainError } from '../lib/errors.js';
import type { GatewayContext } from './data-source.js';
import { EventStream } from './event-stream.js';
import type { OrderEventHub } from './order-events-listener.js';
import type { PayloadResolver } from './payload-resolver.js';
import type { SocketOperation } from './socket-limits.js';
import { planPayload } from './subscription-payload.js';

/** The context of one socket operation: the gateway's, plus the operation's slot. */
export type SocketContext = GatewayContext & { operation: SocketOperation };

/**
 * The subscribe resolver of `Subscription.orderStateChanged`: each subscriber gets an event stream
 * of its own, fed by the process's hub. A completion (or the socket's close) that arrives while
 * this runs ends the stream at once, so its listener goes at once; the operation's slot is freed
 * only when the owner check, which cannot be aborted, is over.
 */
export function orderStateChangedSubscriber(hub: OrderEventHub, payloads: PayloadResolver, maxQueue: number): GraphQLFieldResolver<unknown, SocketContext> {
  return async (_root, args, context, info) => {
    const op = context.operation;
    let stream: EventStream | undefined;
    try {
      if (info.fieldName !== 'orderStateChanged') throw domainError('BAD_USER_INPUT', `subscription ${info.fieldName} is not served here`);
      const userId = context.userId;
      if (!userId) throw domainError('UNAUTHENTICATED', 'sign in required');
      const sn = typeof args.sn === 'string' && args.sn !== '' ? args.sn : undefined;
      stream = new EventStream(userId, sn, payloads, planPayload(info), maxQueue);
      op.cancels(stream);
      // Listen first, then check: an event raised during the check is queued, not lost.
      await stream.listen(hub);
      if (sn && !stream.ended) {
        // The first message is the order's current state (from = to), so a client that subscribes
        // or reconnects never shows a state older than the order's; changes raised meanwhile were
        // queued behind it, since listening began before this read.
        const state = await payloads.currentState(sn, userId);
        stream.pushFirst({ sn, userId, from: state, to: state, at: new Date().toISOString() });
      }
      stream.releaseWhenEnded(op);
      return stream;
    } catch (err) {
      await stream?.return();
      op.release();
      throw err;
    }
  };
}
