import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Logger } from 'pino';
import { notFound } from '../lib/errors.js';
import type { OrderStateEvent } from '../contracts/order.js';
import { fromEvent, type PayloadPlan } from './subscription-payload.js';

/** Runs a query through the gateway as the user (the same query plan and auth as over HTTP). */
export type RunQuery = (query: string, variables: Record<string, unknown>, userId: string, operationName?: string) => Promise<ExecutionResult>;

export const toGraphQLError = (e: { message: string; extensions?: Record<string, unknown> }) =>
  new GraphQLError(e.message, { extensions: e.extensions });

/** Turns order events into the payloads of `orderStateChanged` subscriptions, following their plans. */
export class PayloadResolver {
  // One event reaches every subscription of its user as the same object; the order query of each
  // distinct selection runs once for it, shared by all subscriptions with that selection.
  private readonly sharedQueries = new WeakMap<OrderStateEvent, Map<string, Promise<ExecutionResult>>>();

  constructor(
    private readonly runQuery: RunQuery,
    private readonly log: Logger,
  ) {}

  private orderQuery(plan: PayloadPlan, event: OrderStateEvent, userId: string): Promise<ExecutionResult> {
    let perEvent = this.sharedQueries.get(event);
    if (!perEvent) this.sharedQueries.set(event, (perEvent = new Map()));
    const key = `${userId}\n${plan.key}`;
    let result = perEvent.get(key);
    if (!result) perEvent.set(key, (result = this.runQuery(plan.query!, { ...plan.variables, __orderSn: event.sn }, userId)));
    return result;
  }

  /** Resolves one event into the payload of one subscription. */
  async payload(plan: PayloadPlan, event: OrderStateEvent, userId: string): Promise<unknown> {
    let orderData: Record<string, unknown> = {};
    let orderError: GraphQLError | undefined;
    if (plan.fastPath) {
      for (const [key, sels] of plan.orders) orderData[key] = fromEvent(sels, event, 'HomestayOrder');
    } else {
      try {
        const res = await this.orderQuery(plan, event, userId);
        orderData = (res.data as Record<string, unknown> | null | undefined) ?? {};
        if (res.errors?.length) {
          this.log.warn({ sn: event.sn, errors: res.errors.map((e) => e.message) }, 'order payload resolved with errors');
          orderError = toGraphQLError(res.errors[0] as GraphQLError);
        }
      } catch (err) {
        this.log.error({ err, sn: event.sn }, 'order payload failed');
        orderError = new GraphQLError('could not resolve the order of the event');
      }
    }
    const change: Record<string, unknown> = {};
    for (const { key, name } of plan.fields) {
      if (name === 'order') change[key] = orderData[key] ?? orderError ?? notFound('order');
      else if (name === 'from') change[key] = event.from;
      else if (name === 'to') change[key] = event.to;
      else if (name === 'at') change[key] = event.at;
    }
    return { [plan.rootKey]: change };
  }

  /** The order's state; throws unless `sn` is an order of the user (another user's order reads as NOT_FOUND). */
  async currentState(sn: string, userId: string): Promise<OrderStateEvent['to']> {
    const res = await this.runQuery('query($sn: ID!) { order(sn: $sn) { sn state } }', { sn }, userId);
    const found = (res.data as { order?: { sn: string; state: OrderStateEvent['to'] } | null } | null)?.order;
    if (found) return found.state;
    const code = res.errors?.[0]?.extensions?.code;
    throw code && code !== 'NOT_FOUND' ? toGraphQLError(res.errors![0] as GraphQLError) : notFound('order');
  }
}
