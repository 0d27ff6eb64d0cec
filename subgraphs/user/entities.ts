import { EntitySchema } from '@mikro-orm/core';
import { BaseRow, idColumn } from '../../lib/base-row.js';

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
    mobile: { type: 'string', length: 11, columnType: 'char(11)', unique: true },
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
    userId: idColumn(),
    authKey: { type: 'string', length: 64 },
    authType: { type: 'string', length: 12 },
  },
  uniques: [
    { name: 'user_auth_type_key_unique', properties: ['authType', 'authKey'] },
    { name: 'user_auth_user_type_unique', properties: ['userId', 'authType'] },
  ],
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
    userId: idColumn(),
    kind: { type: 'string', length: 32 },
    dedupeKey: { type: 'string', length: 100 },
    title: { type: 'string', length: 255 },
    body: { type: 'text' },
  },
  uniques: [{ name: 'notification_user_dedupe_unique', properties: ['userId', 'dedupeKey'] }],
  indexes: [{ name: 'notification_user_id_index', properties: ['userId', 'id'] }],
});

// datetime(3) here, unlike BaseRow's: as Migration20261122100000_notification made it.
NotificationSchema.addProperty('createTime', 'datetime', { length: 3, defaultRaw: 'current_timestamp(3)', onCreate: () => new Date() });

export const entities = [UserSchema, UserAuthSchema, NotificationSchema];
