import { BigIntType, EntitySchema } from '@mikro-orm/core';
import { BaseRow, idColumn } from '../../lib/base-row.js';
import { ROW_TYPE_CODE, type CancellationPolicy } from '../../contracts/homestay.js';

/** looklook's homestay row_state; its row_type codes are in contracts/homestay.ts (ROW_TYPE_CODE). */
export const ROW_STATE_OFF_SALE = 0;
export const ROW_STATE_ON_SALE = 1;
export const ROW_TYPE_PER_ROOM = ROW_TYPE_CODE.PER_ROOM;
export const ROW_TYPE_PER_PERSON = ROW_TYPE_CODE.PER_PERSON;
/** The values behind the schema's HomestayRowType enum (codegen.ts maps the enum to it). */
export type RowTypeCode = (typeof ROW_TYPE_CODE)[keyof typeof ROW_TYPE_CODE];

export const ACTIVITY_PREFERRED_HOMESTAY = 'preferredHomestay';
export const ACTIVITY_GOOD_BUSINESS = 'goodBusiness';

export class Homestay extends BaseRow {
  title!: string;
  subTitle = '';
  /** Comma list of image URLs; the first is the cover. */
  banner = '';
  info = '';
  city = '';
  peopleNum = 2;
  roomCount = 1;
  homestayBusinessId!: string;
  /** The landlord. */
  userId!: string;
  rowState = ROW_STATE_OFF_SALE;
  rowType = ROW_TYPE_PER_ROOM;
  foodInfo = '';
  /** Cents per guest per night. */
  foodPrice = 0;
  /** Cents per night. */
  homestayPrice = 0;
  marketHomestayPrice = 0;
  cancellationPolicy: CancellationPolicy = 'FLEXIBLE';
}

export class HomestayBusiness extends BaseRow {
  title!: string;
  /** The landlord (boss); one business per landlord. */
  userId!: string;
  info = '';
  bossInfo = '';
  licenseFron = '';
  licenseBack = '';
  /** 0 banned, 1 open. */
  rowState = 1;
  star = 0;
  /** Comma list. */
  tags = '';
  cover = '';
  headerImg = '';
}

export class HomestayActivity extends BaseRow {
  rowType!: string;
  dataId!: string;
  rowStatus = 1;
}

export class HomestayComment extends BaseRow {
  homestayId!: string;
  userId!: string;
  content!: string;
  star!: number;
  /** The stay (a USED order) the review belongs to; null for comments older than that rule. */
  orderSn: string | null = null;
}

const money = () => ({ type: new BigIntType('number'), default: 0 });

export const HomestaySchema = new EntitySchema<Homestay, BaseRow>({
  class: Homestay,
  tableName: 'homestay',
  extends: 'BaseRow',
  properties: {
    title: { type: 'string', length: 64, default: '' },
    subTitle: { type: 'string', length: 128, default: '' },
    banner: { type: 'string', length: 3000, default: '' },
    info: { type: 'string', length: 4096, default: '' },
    city: { type: 'string', length: 64, default: '' },
    peopleNum: { type: 'integer', default: 2 },
    roomCount: { type: 'integer', default: 1 },
    homestayBusinessId: idColumn(),
    userId: idColumn(),
    rowState: { type: 'tinyint', default: 0 },
    rowType: { type: 'tinyint', default: 0 },
    foodInfo: { type: 'string', length: 255, default: '' },
    foodPrice: money(),
    homestayPrice: money(),
    marketHomestayPrice: money(),
    cancellationPolicy: { type: 'string', length: 16, default: 'FLEXIBLE' },
  },
  indexes: [
    { name: 'homestay_business_idx', properties: ['homestayBusinessId', 'id'] },
    { name: 'homestay_city_idx', properties: ['city', 'id'] },
  ],
});

export const HomestayBusinessSchema = new EntitySchema<HomestayBusiness, BaseRow>({
  class: HomestayBusiness,
  tableName: 'homestay_business',
  extends: 'BaseRow',
  properties: {
    title: { type: 'string', length: 32, default: '' },
    userId: { ...idColumn(), unique: 'homestay_business_user_unique' },
    info: { type: 'string', length: 1024, default: '' },
    bossInfo: { type: 'string', length: 1024, default: '' },
    licenseFron: { type: 'string', length: 255, default: '' },
    licenseBack: { type: 'string', length: 255, default: '' },
    rowState: { type: 'tinyint', default: 1 },
    star: { type: 'double', default: 0 },
    tags: { type: 'string', length: 255, default: '' },
    cover: { type: 'string', length: 255, default: '' },
    headerImg: { type: 'string', length: 255, default: '' },
  },
});

export const HomestayActivitySchema = new EntitySchema<HomestayActivity, BaseRow>({
  class: HomestayActivity,
  tableName: 'homestay_activity',
  extends: 'BaseRow',
  properties: {
    rowType: { type: 'string', length: 32 },
    dataId: idColumn(),
    rowStatus: { type: 'tinyint', default: 1 },
  },
  uniques: [{ name: 'homestay_activity_type_data_unique', properties: ['rowType', 'dataId'] }],
});

export const HomestayCommentSchema = new EntitySchema<HomestayComment, BaseRow>({
  class: HomestayComment,
  tableName: 'homestay_comment',
  extends: 'BaseRow',
  properties: {
    homestayId: idColumn(),
    userId: idColumn(),
    content: { type: 'string', length: 1000 },
    star: { type: 'tinyint' },
    orderSn: { type: 'string', length: 64, nullable: true, unique: 'homestay_comment_order_sn_unique' },
  },
  indexes: [{ name: 'homestay_comment_homestay_idx', properties: ['homestayId', 'id'] }],
});

/**
 * The nightly inventory (homestay_inventory) and the reservations of order sns
 * (homestay_reservation) are written only by hand-written guarded SQL in reservations.ts, so they
 * have no entity here.
 */
export const entities = [HomestaySchema, HomestayBusinessSchema, HomestayActivitySchema, HomestayCommentSchema];
