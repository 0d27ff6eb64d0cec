import { notFound } from '../../lib/errors.js';
import { DateScalar, DateTimeScalar } from '../../lib/scalars.js';
import { requireUserId } from '../../lib/subgraph-server.js';
import { dateString, nightsBetween } from '../../lib/dates.js';
import type { Resolvers } from './generated/resolvers-types.js';
import { publicStateOf } from './state-machine.js';

const emptyConnection = () => ({
  edges: [],
  pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
});

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
  },
  Mutation: {
    createHomestayOrder: async (_p, { input }, ctx) => ctx.orders.create(requireUserId(ctx), input, ctx.caller.requestId),
    cancelOrder: async (_p, { sn }, ctx) => ctx.orders.cancel(requireUserId(ctx), sn),
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
  HomestayOrder: {
    /** Entity references (payments, subscriptions) resolve for the order's owner only. */
    __resolveReference: async (ref, ctx) => {
      const order = await ctx.loaders.order.load(ref.sn);
      return order && (order.userId === ctx.caller.userId || (!ctx.caller.userId && ctx.caller.service)) ? order : null;
    },
    state: (o) => publicStateOf(o.tradeState),
    user: (o) => ({ __typename: 'User' as const, id: String(o.userId) }),
    homestay: (o) => ({ __typename: 'Homestay' as const, id: String(o.homestayId) }),
    checkIn: (o) => dateString(o.liveStartDate),
    checkOut: (o) => dateString(o.liveEndDate),
    nights: (o) => nightsBetween(dateString(o.liveStartDate), dateString(o.liveEndDate)),
    guests: (o) => o.livePeopleNum,
    needFood: (o) => Boolean(o.needFood),
    homestayTotal: (o) => o.homestayTotalPrice,
    foodTotal: (o) => o.foodTotalPrice,
    total: (o) => o.orderTotalPrice,
    price: (o) => o.homestayPrice,
    createdAt: (o) => o.createTime,
  },
};
