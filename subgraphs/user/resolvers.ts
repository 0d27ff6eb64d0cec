import { issueAccessToken } from '../../lib/jwt.js';
import { DateTimeScalar } from '../../lib/scalars.js';
import { requireUserId } from '../../lib/subgraph-server.js';
import { SEX, type User } from './entities.js';
import { forbidden } from '../../lib/errors.js';
import { NotificationService } from './notifications.js';
import type { UserContext } from './context.js';
import type { Resolvers } from './generated/resolvers-types.js';

/** register, login and refreshToken make their caller the owner of the returned user for the rest of the request. */
async function authPayload(user: User, ctx: UserContext) {
  ctx.viewer.signedInAs = String(user.id);
  return { ...(await issueAccessToken(user.id)), user };
}

/** 13812345678 → 138****5678 */
const maskMobile = (mobile: string) => `${mobile.slice(0, 3)}****${mobile.slice(-4)}`;

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Sex: SEX,
  Query: {
    me: async (_p, _a, ctx) => ctx.loaders.user.load(requireUserId(ctx)),
  },
  Mutation: {
    register: async (_p, { input }, ctx) => authPayload(await ctx.users.register(input), ctx),
    login: async (_p, { input }, ctx) => authPayload(await ctx.users.login(input.mobile, input.password), ctx),
    updateMe: async (_p, { input }, ctx) => ctx.users.updateMe(requireUserId(ctx), input),
    refreshToken: async (_p, _a, ctx) => authPayload(await ctx.users.forRefresh(requireUserId(ctx)), ctx),
  },
  User: {
    __resolveReference: (ref, ctx) => ctx.loaders.user.load(ref.id),
    mobile: (user, _a, ctx) => ((ctx.viewer.signedInAs ?? ctx.caller.userId) === String(user.id) ? user.mobile : maskMobile(user.mobile)),
    createdAt: (user) => user.createTime,
    notifications: async (user, { first }, ctx) => {
      if ((ctx.viewer.signedInAs ?? ctx.caller.userId) !== String(user.id)) throw forbidden('only its owner reads a user\'s notifications');
      return new NotificationService(ctx.em).list(String(user.id), first);
    },
  },
  Notification: {
    createdAt: (n) => n.createTime,
  },
};
