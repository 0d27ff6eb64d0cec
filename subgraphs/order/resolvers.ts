import { forbidden, notFound } from '../../lib/errors.js';
import { DateScalar, DateTimeScalar } from '../../lib/scalars.js';
import { requireUserId, type BaseContext } from '../../lib/subgraph-server.js';
import { dateString, nightsBetween } from '../../lib/dates.js';
import type { Resolvers } from './generated/resolvers-types.js';
import type { LandlordOwned } from './settlements.js';
import { publicStateOf } from './state-machine.js';

const emptyConnection = () => ({
  edges: [],
  pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
});

/**
 * A homestay's or business's landlord, as the gateway sends it with the entity (`@requires`):
 * only the landlord reads what the landlord earned.
 */
function requireLandlord(entity: LandlordOwned, ctx: BaseContext, what: string): void {
  const userId = requireUserId(ctx);
  if (!entity.landlord || String(entity.landlord.id) !== userId) throw forbidden(`only the landlord reads ${what}`);
}

export const resolvers: Resolvers = {
  Date: DateScalar,
  DateTime: DateTimeScalar,
  Query: {
    order: async (_p, { sn }, ctx) => {
      const order = await ctx.loaders.order.load(sn);
      if (!order || order.userId !== requireUserId(ctx)) throw notFound('order');
      return order;
    },
    myOrders: async (_p, args, ctx) => ctx.orders.listForUser(requireUserId(ctx), args),
    landlordOrders: async (_p, args, ctx) => ctx.orders.listForLandlord(requireUserId(ctx), args),
  },
  Mutation: {
    createHomestayOrder: async (_p, { input }, ctx) => ctx.orders.create(requireUserId(ctx), input, ctx.caller.requestId),
    cancelOrder: async (_p, { sn }, ctx) => ctx.orders.cancel(requireUserId(ctx), sn),
    checkIn: async (_p, { orderSn, code }, ctx) => ctx.orders.checkIn(requireUserId(ctx), orderSn, code),
    requestRefund: async (_p, { orderSn, reason }, ctx) => ctx.orders.requestRefund(requireUserId(ctx), orderSn, reason),
  },
  Subscription: {
    orderStateChanged: {
      subscribe: () => {
        throw new Error('orderStateChanged is served by the gateway');
      },
    },
  },
  User: {
    /** Only the user's own orders; anyone else reads an empty list. */
    orders: async (user, args, ctx) =>
      ctx.caller.userId && ctx.caller.userId === String(user.id) ? ctx.orders.listForUser(user.id, args) : emptyConnection(),
  },
  Homestay: {
    settlements: async (homestay, args, ctx) => {
      requireLandlord(homestay, ctx, "a homestay's settlements");
      return ctx.orders.settlementsOf(String(homestay.id), args);
    },
  },
  HomestayBusiness: {
    income: async (business, { from, to }, ctx) => {
      requireLandlord(business, ctx, "a business's income");
      return ctx.orders.income(String(business.id), from, to);
    },
  },
  Settlement: {
    order: async (s, _a, ctx) => {
      const order = await ctx.loaders.order.load(s.orderSn);
      if (!order) throw notFound('order');
      return order;
    },
    periodStart: (s) => dateString(s.periodStart),
    periodEnd: (s) => dateString(s.periodEnd),
    settledAt: (s) => s.createTime,
  },
  HomestayOrder: {
    /** Entity references (payments, subscriptions) resolve for the order's owner only. */
    __resolveReference: async (ref, ctx) => {
      const order = await ctx.loaders.order.load(ref.sn);
      return order && (order.userId === ctx.caller.userId || (!ctx.caller.userId && ctx.caller.service)) ? order : null;
    },
    state: (o) => publicStateOf(o.tradeState),
    user: (o) => ({ __typename: 'User' as const, id: String(o.userId) }),
    homestay: (o) => ({ id: String(o.homestayId) }),
    checkIn: (o) => dateString(o.liveStartDate),
    checkOut: (o) => dateString(o.liveEndDate),
    nights: (o) => nightsBetween(dateString(o.liveStartDate), dateString(o.liveEndDate)),
    guests: (o) => o.livePeopleNum,
    needFood: (o) => Boolean(o.needFood),
    homestayTotal: (o) => o.homestayTotalPrice,
    foodTotal: (o) => o.foodTotalPrice,
    total: (o) => o.orderTotalPrice,
    price: (o) => o.homestayPrice,
    // The check-in code is the guest's to show: a landlord reading it could check anyone in.
    tradeCode: (o, _a, ctx) => (String(o.userId) === ctx.caller.userId ? o.tradeCode : null),
    createdAt: (o) => o.createTime,
  },
};
