import { BigIntType, EntitySchema } from '@mikro-orm/core';
import { BaseRow } from '../../lib/base-row.js';

/** looklook's sex codes: the values behind the schema's Sex enum. */
export const SEX = { MALE: 0, FEMALE: 1 } as const;
export type SexCode = (typeof SEX)[keyof typeof SEX];

export class User extends BaseRow {
  mobile!: string;
  password!: string;
  nickname!: string;
  /** looklook: 0 male, 1 female */
  sex = 0;
  avatar = '';
  info = '';
}

export const AUTH_TYPE_SYSTEM = 'system';
export const AUTH_TYPE_WX_MINI = 'wxMini';

/** How a user signs in: `system` (mobile + password, auth_key = mobile) or `wxMini` (openid). */
export class UserAuth extends BaseRow {
  userId!: string;
  authKey!: string;
  authType!: string;
}

export const UserSchema = new EntitySchema<User, BaseRow>({
  class: User,
  tableName: 'user',
  extends: 'BaseRow',
  properties: {
    mobile: { type: 'string', length: 11, unique: true },
    password: { type: 'string', length: 255, lazy: true },
    nickname: { type: 'string', length: 255, default: '' },
    sex: { type: 'tinyint', default: 0 },
    avatar: { type: 'string', length: 255, default: '' },
    info: { type: 'string', length: 255, default: '' },
  },
});

export const UserAuthSchema = new EntitySchema<UserAuth, BaseRow>({
  class: UserAuth,
  tableName: 'user_auth',
  extends: 'BaseRow',
  properties: {
    userId: { type: new BigIntType('string') },
    authKey: { type: 'string', length: 64 },
    authType: { type: 'string', length: 12 },
  },
  uniques: [{ properties: ['authType', 'authKey'] }, { properties: ['userId', 'authType'] }],
});

/** A message to a user (written by the jobs process through POST /internal/notifications). */
export class Notification extends BaseRow {
  userId!: string;
  kind!: string;
  dedupeKey!: string;
  title!: string;
  body!: string;
}

export const NotificationSchema = new EntitySchema<Notification, BaseRow>({
  class: Notification,
  tableName: 'notification',
  extends: 'BaseRow',
  properties: {
    userId: { type: new BigIntType('string') },
    kind: { type: 'string', length: 32 },
    dedupeKey: { type: 'string', length: 100 },
    title: { type: 'string', length: 255 },
    body: { type: 'text' },
  },
  uniques: [{ properties: ['userId', 'dedupeKey'] }],
});

export const entities = [UserSchema, UserAuthSchema, NotificationSchema];
