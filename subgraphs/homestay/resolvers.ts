import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import type { PageArgs } from '../../lib/connection.js';
import { DateScalar, DateTimeScalar } from '../../lib/scalars.js';
import { requireUserId } from '../../lib/subgraph-server.js';
import { ROW_STATE_ON_SALE, ROW_TYPE_PER_PERSON, type Homestay, type HomestayBusiness, type HomestayComment } from './entities.js';
import type { HomestayContext } from './context.js';
import type { HomestayListArgs } from './service.js';

const list = (csv: string) =>
  csv
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const userRef = (id: string) => ({ __typename: 'User', id: String(id) });

export const resolvers: GraphQLResolverMap<HomestayContext> = {
  Date: DateScalar,
  DateTime: DateTimeScalar,
  HomestayRowType: { PER_ROOM: 0, PER_PERSON: ROW_TYPE_PER_PERSON } as never,
  Query: {
    homestays: (_p, args: HomestayListArgs, ctx) => ctx.homestays.list(args),
    homestay: async (_p, { id }: { id: string }, ctx) => {
      const h = await ctx.loaders.homestay.load(id);
      return h && h.delState === 0 ? h : null;
    },
    guessYouLike: (_p, _a, ctx) => ctx.homestays.guessYouLike(),
    businesses: (_p, args: PageArgs, ctx) => ctx.homestays.businesses(args),
    business: async (_p, { id }: { id: string }, ctx) => {
      const b = await ctx.loaders.business.load(id);
      return b && b.delState === 0 ? b : null;
    },
    goodBosses: async (_p, _a, ctx) => (await ctx.homestays.goodBossIds()).map(userRef),
  },
  Mutation: {
    addComment: (_p, { homestayId, star, content }: { homestayId: string; star: number; content: string }, ctx) =>
      ctx.homestays.addComment(requireUserId(ctx), homestayId, star, content),
  },
  Homestay: {
    __resolveReference: (ref: { id: string }, ctx: HomestayContext) => ctx.loaders.homestay.load(ref.id),
    id: (h: Homestay) => String(h.id),
    cover: (h: Homestay) => list(h.banner)[0] ?? null,
    banner: (h: Homestay) => list(h.banner),
    price: (h: Homestay) => Number(h.homestayPrice),
    marketPrice: (h: Homestay) => Number(h.marketHomestayPrice),
    foodPrice: (h: Homestay) => Number(h.foodPrice),
    onSale: (h: Homestay) => h.rowState === ROW_STATE_ON_SALE,
    rating: async (h: Homestay, _a, ctx) => (await ctx.loaders.rating.load(String(h.id)))?.rating ?? null,
    commentCount: async (h: Homestay, _a, ctx) => (await ctx.loaders.rating.load(String(h.id)))?.count ?? 0,
    business: (h: Homestay, _a, ctx) => ctx.loaders.business.load(String(h.homestayBusinessId)),
    landlord: (h: Homestay) => userRef(h.userId),
    availability: (h: Homestay, { checkIn, checkOut }: { checkIn: string; checkOut: string }, ctx) =>
      ctx.homestays.availability(h, checkIn, checkOut),
    comments: (h: Homestay, args: PageArgs, ctx) => ctx.loaders.comments.load(String(h.id), args),
    createdAt: (h: Homestay) => h.createTime,
  },
  HomestayBusiness: {
    __resolveReference: (ref: { id: string }, ctx: HomestayContext) => ctx.loaders.business.load(ref.id),
    id: (b: HomestayBusiness) => String(b.id),
    star: (b: HomestayBusiness) => Number(b.star),
    tags: (b: HomestayBusiness) => list(b.tags),
    open: (b: HomestayBusiness) => b.rowState === 1,
    landlord: (b: HomestayBusiness) => userRef(b.userId),
    homestays: (b: HomestayBusiness, args: PageArgs, ctx) => ctx.loaders.businessHomestays.load(String(b.id), args),
  },
  HomestayComment: {
    id: (c: HomestayComment) => String(c.id),
    user: (c: HomestayComment) => userRef(c.userId),
    homestay: (c: HomestayComment, _a, ctx) => ctx.loaders.homestay.load(String(c.homestayId)),
    createdAt: (c: HomestayComment) => c.createTime,
  },
};
