import type { FieldNode, GraphQLResolveInfo } from 'graphql';
import { DateScalar, DateTimeScalar } from '../../lib/scalars.js';
import { requireUserId } from '../../lib/subgraph-server.js';
import { selectedFields } from '../../lib/selection.js';
import { ROW_TYPE_CODE } from '../../contracts/homestay.js';
import { ROW_STATE_ON_SALE, type Homestay } from './entities.js';
import { ALONG, type HomestayRow, type Rating } from './service.js';
import type { HomestayContext } from './context.js';
import type { Resolvers } from './generated/resolvers-types.js';

const list = (csv: string) =>
  csv
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
/** The row a foreign key points to: the field is non-null, so a missing row is an internal error that names it. */
async function referenced<T>(row: Promise<T | null>, what: string): Promise<T> {
  const found = await row;
  if (!found) throw new Error(`${what} is missing`);
  return found;
}
const userRef = (id: string) => ({ __typename: 'User' as const, id: String(id) });

/** Whether the field being resolved selects `name`; worked out once per field of an operation, not per row. */
const asked = new WeakMap<FieldNode, Set<string>>();
function asksFor(info: GraphQLResolveInfo, name: string): boolean {
  const node = info.fieldNodes[0]!;
  let fields = asked.get(node);
  if (!fields) asked.set(node, (fields = selectedFields(info, [])));
  return fields.has(name);
}

/**
 * What the row's page query brought along (HomestayService.list). Read from the row, a page's
 * fields resolve without a promise each, so graphql-js completes the whole page in one pass.
 */
const along = (h: Homestay) => (h as HomestayRow)[ALONG];
function ratingOf<R>(h: Homestay, ctx: HomestayContext, pick: (r: Rating | null) => R): R | Promise<R> {
  const known = along(h)?.rating;
  return known ? pick(known) : ctx.loaders.rating.load(String(h.id)).then(pick);
}

export const resolvers: Resolvers = {
  Date: DateScalar,
  DateTime: DateTimeScalar,
  HomestayRowType: ROW_TYPE_CODE,
  Query: {
    homestays: (_p, args, ctx, info) => {
      const node = selectedFields(info, ['edges', 'node']);
      return ctx.homestayPage(args, { business: node.has('business'), rating: node.has('rating') || node.has('commentCount') });
    },
    homestay: async (_p, { id }, ctx) => {
      const h = await ctx.loaders.homestay.load(id);
      return h && h.delState === 0 ? h : null;
    },
    guessYouLike: (_p, _a, ctx) => ctx.homestays.guessYouLike(),
    businesses: (_p, args, ctx) => ctx.homestays.businesses(args),
    business: async (_p, { id }, ctx) => {
      const b = await ctx.loaders.business.load(id);
      return b && b.delState === 0 ? b : null;
    },
    goodBosses: async (_p, _a, ctx) => (await ctx.homestays.goodBossIds()).map(userRef),
    myBusinesses: (_p, _a, ctx) => ctx.landlord.myBusinesses(requireUserId(ctx)),
  },
  Mutation: {
    addComment: (_p, { homestayId, star, content }, ctx) =>
      ctx.reviews.add(requireUserId(ctx), homestayId, star, content, ctx.caller.requestId),
    createBusiness: (_p, { input }, ctx) => ctx.landlord.createBusiness(requireUserId(ctx), input),
    createHomestay: (_p, { input }, ctx) => ctx.landlord.createHomestay(requireUserId(ctx), input),
    updateHomestay: (_p, { id, input }, ctx) => ctx.landlord.updateHomestay(requireUserId(ctx), id, input),
    setNightsClosed: (_p, { homestayId, from, to, closed }, ctx) => ctx.landlord.setNightsClosed(requireUserId(ctx), homestayId, from, to, closed),
  },
  Homestay: {
    __resolveReference: (ref, ctx) => ctx.loaders.homestay.load(ref.id),
    id: (h) => String(h.id),
    cover: (h) => list(h.banner)[0] ?? null,
    banner: (h) => list(h.banner),
    price: (h) => Number(h.homestayPrice),
    marketPrice: (h) => Number(h.marketHomestayPrice),
    foodPrice: (h) => Number(h.foodPrice),
    onSale: (h) => h.rowState === ROW_STATE_ON_SALE,
    rating: (h, _a, ctx) => ratingOf(h, ctx, (r) => r?.rating ?? null),
    commentCount: (h, _a, ctx) => ratingOf(h, ctx, (r) => r?.count ?? 0),
    business: (h, _a, ctx) =>
      along(h)?.business ?? referenced(ctx.loaders.business.load(String(h.homestayBusinessId)), `business ${h.homestayBusinessId} of homestay ${h.id}`),
    landlord: (h, _a, ctx, info) => {
      // The nickname comes from here only when the gateway asks for it (the schema provides it).
      if (!asksFor(info, 'nickname')) return userRef(h.userId);
      const withName = (nickname: string | null) => {
        if (nickname === null) throw new Error(`landlord ${h.userId} of homestay ${h.id} is missing`);
        return { ...userRef(h.userId), nickname };
      };
      const nickname = ctx.landlordNames.nickname(String(h.userId));
      return typeof nickname === 'string' ? withName(nickname) : nickname.then(withName);
    },
    availability: (h, { checkIn, checkOut }, ctx) => ctx.homestays.availability(h, checkIn, checkOut),
    comments: (h, args, ctx) => ctx.loaders.comments.load(String(h.id), args),
    createdAt: (h) => h.createTime,
  },
  HomestayBusiness: {
    __resolveReference: (ref, ctx) => ctx.loaders.business.load(ref.id),
    id: (b) => String(b.id),
    star: (b) => Number(b.star),
    tags: (b) => list(b.tags),
    open: (b) => b.rowState === 1,
    landlord: (b) => userRef(b.userId),
    homestays: (b, args, ctx) => ctx.loaders.businessHomestays.load(String(b.id), args),
  },
  HomestayComment: {
    id: (c) => String(c.id),
    user: (c) => userRef(c.userId),
    homestay: (c, _a, ctx) => referenced(ctx.loaders.homestay.load(String(c.homestayId)), `homestay ${c.homestayId} of comment ${c.id}`),
    order: (c) => (c.orderSn ? { __typename: 'HomestayOrder' as const, sn: c.orderSn } : null),
    createdAt: (c) => c.createTime,
  },
};
