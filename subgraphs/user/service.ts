import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '../../lib/database.js';
import { badInput, conflict, notFound, unauthenticated } from '../../lib/errors.js';
import { rowReader, selectRows } from '../../lib/rows.js';
import { AUTH_TYPE_SYSTEM, User, UserAuth } from './entities.js';
import { decoyHash, hashPassword, verifyPassword } from './password.js';
import { ProfileChanges } from './profile-changes.js';
import { SignInLimits } from './sign-in-limits.js';

export interface RegisterInput {
  mobile: string;
  password: string;
  nickname?: string | null;
}
export interface UpdateMeInput {
  nickname?: string | null;
  sex?: number | null;
  avatar?: string | null;
  info?: string | null;
}

const MOBILE = /^1[3-9]\d{9}$/;

function checkMobile(mobile: string) {
  if (!MOBILE.test(mobile)) throw badInput('input.mobile', 'mobile must be 11 digits in mainland format, e.g. 13800138000');
}
function checkPassword(password: string) {
  if (password.length < 8 || password.length > 64) throw badInput('input.password', 'password must be 8 to 64 characters');
}
function checkText(field: string, value: string, min: number, max: number) {
  const len = [...value].length;
  if (len < min || len > max) throw badInput(`input.${field}`, `${field} must be ${min} to ${max} characters`);
}

/** The usercenter's domain rules; resolvers and seeders go through it. */
export class UserService {
  constructor(
    private readonly em: EntityManager,
    private readonly limits: SignInLimits = SignInLimits.none,
    private readonly profileChanges: ProfileChanges = ProfileChanges.none,
  ) {}

  async register(input: RegisterInput): Promise<User> {
    await this.limits.beforeRegister();
    checkMobile(input.mobile);
    checkPassword(input.password);
    const nickname = input.nickname?.trim() || `LookLook${input.mobile.slice(-4)}`;
    checkText('nickname', nickname, 1, 40);
    const password = await hashPassword(input.password);
    try {
      return await this.em.transactional(async (em) => {
        const user = em.create(User, { mobile: input.mobile, password, nickname } as User);
        await em.flush();
        em.create(UserAuth, { userId: user.id, authKey: input.mobile, authType: AUTH_TYPE_SYSTEM } as UserAuth);
        await em.flush();
        return user;
      });
    } catch (err) {
      // The unique index decides, so two concurrent registrations cannot both win.
      if (err instanceof UniqueConstraintViolationException) throw conflict('mobile is already registered');
      throw err;
    }
  }

  /** Unknown mobile and wrong password fail alike, in about the same time: no hint which. */
  async login(mobile: string, password: string): Promise<User> {
    const isMobile = MOBILE.test(mobile);
    await this.limits.beforeLogin(mobile, isMobile);
    const user = isMobile
      ? await this.em.findOne(User, { mobile, delState: 0 }, { populate: ['password'] })
      : null;
    const ok = await verifyPassword(password, user?.password ?? (await decoyHash()));
    if (!user || !ok) throw unauthenticated('mobile or password is incorrect');
    await this.limits.loginSucceeded(mobile);
    return user;
  }

  /** The user behind a valid token, for a fresh token (refreshToken); a deleted user may not refresh. */
  async forRefresh(userId: string): Promise<User> {
    const user = await this.em.findOne(User, { id: userId, delState: 0 });
    if (!user) throw unauthenticated('the user of this token no longer exists');
    return user;
  }

  async updateMe(userId: string, input: UpdateMeInput): Promise<User> {
    const user = await this.em.findOne(User, { id: userId, delState: 0 });
    if (!user) throw notFound('user');
    if (input.nickname != null) checkText('nickname', input.nickname.trim(), 1, 40);
    if (input.avatar != null) checkText('avatar', input.avatar, 0, 255);
    if (input.info != null) checkText('info', input.info, 0, 255);
    const nickname = user.nickname;
    if (input.nickname != null) user.nickname = input.nickname.trim();
    if (input.sex != null) user.sex = input.sex;
    if (input.avatar != null) user.avatar = input.avatar;
    if (input.info != null) user.info = input.info;
    await this.em.flush();
    if (user.nickname !== nickname) await this.profileChanges.announce(String(user.id));
    return user;
  }

  /** Plain rows (lib/rows.ts), without the password hash: what `me` and the gateway's user references read. */
  async findByIds(ids: readonly string[]): Promise<User[]> {
    if (!ids.length) return [];
    const users = rowReader(this.em, User);
    const rows = await selectRows(this.em, `select ${users.columns('u')} from \`user\` u where u.id in (${ids.map(() => '?').join(',')}) and u.del_state = 0`, ids);
    return rows.map((r) => users.read(r));
  }
}
