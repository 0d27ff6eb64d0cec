import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { notFound } from '../../lib/errors.js';
import type { OrderState } from '../../contracts/order.js';
import { DateScalar, DateTimeScalar } from '../../lib/scalars.js';
import { requireUserId } from '../../lib/subgraph-server.js';
import { dateString, nightsBetween } from '../../lib/dates.js';
import type { HomestayOrder } from './entities.js';
import type { OrderContext } from './context.js';
import type { CreateOrderInput } from './service.js';
import { publicStateOf } from './state-machine.js';

const emptyConnection = () => ({
  edges: [],
  pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
});

export const resolvers: GraphQLResolverMap<OrderContext> = {
  Date: DateScalar,
  DateTime: DateTimeScalar,
  Query: {
    order: async (_p, { sn }: { sn: string }, ctx) => {
      const order = await ctx.loaders.order.load(sn);
      if (!order || order.userId !== requireUserId(ctx)) throw notFound('order');
      return order;
    },
    myOrders: async (_p, args: { first?: number; after?: string; state?: OrderState }, ctx) =>
      ctx.orders.listForUser(requireUserId(ctx), args),
  },
  Mutation: {
    createHomestayOrder: async (_p, { input }: { input: CreateOrderInput }, ctx) =>
      ctx.orders.create(requireUserId(ctx), input, ctx.caller.requestId),
    cancelOrder: async (_p, { sn }: { sn: string }, ctx) => ctx.orders.cancel(requireUserId(ctx), sn),
  },
  Subscription: {
    orderStateChanged: {
      subscribe: () => {
        throw new Error('orderStateChanged is served by the gateway');
      },
    },
  },
  User: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    /** Only the user's own orders; anyone else reads an empty list. */
    orders: async (user: { id: string }, args: { first?: number; after?: string; state?: OrderState }, ctx) =>
      ctx.caller.userId && ctx.caller.userId === String(user.id) ? ctx.orders.listForUser(user.id, args) : emptyConnection(),
  },
  HomestayOrder: {
    /** Entity references (payments, subscriptions) resolve for the order's owner only. */
    __resolveReference: async (ref: { sn: string }, ctx: OrderContext) => {
      const order = await ctx.loaders.order.load(ref.sn);
      return order && (order.userId === ctx.caller.userId || (!ctx.caller.userId && ctx.caller.service)) ? order : null;
    },
    state: (o: HomestayOrder) => publicStateOf(o.tradeState),
    user: (o: HomestayOrder) => ({ __typename: 'User', id: String(o.userId) }),
    homestay: (o: HomestayOrder) => ({ __typename: 'Homestay', id: String(o.homestayId) }),
    checkIn: (o: HomestayOrder) => dateString(o.liveStartDate),
    checkOut: (o: HomestayOrder) => dateString(o.liveEndDate),
    nights: (o: HomestayOrder) => nightsBetween(dateString(o.liveStartDate), dateString(o.liveEndDate)),
    guests: (o: HomestayOrder) => o.livePeopleNum,
    needFood: (o: HomestayOrder) => Boolean(o.needFood),
    homestayTotal: (o: HomestayOrder) => o.homestayTotalPrice,
    foodTotal: (o: HomestayOrder) => o.foodTotalPrice,
    total: (o: HomestayOrder) => o.orderTotalPrice,
    price: (o: HomestayOrder) => o.homestayPrice,
    createdAt: (o: HomestayOrder) => o.createTime,
  },
};
