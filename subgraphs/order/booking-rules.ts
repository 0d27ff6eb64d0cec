import { createHash, randomInt } from 'node:crypto';
import { badInput } from '../../lib/errors.js';
import { stamp, todayIn } from '../../lib/dates.js';
import { ROW_TYPE_CODE, type HomestayInfo, type RowType } from '../../contracts/homestay.js';
import { stayLength } from '../../contracts/stay.js';
import type { BookedSnapshot } from './state-machine.js';

/**
 * The rules of a booking that need nothing but its input and the homestay's prices: pure, so the
 * booking saga (booking.ts) and the unit tests share them without a database.
 */


export interface CreateOrderInput {
  homestayId: string;
  checkIn: string;
  checkOut: string;
  guests: number;
  needFood?: boolean | null;
  remark?: string | null;
  idempotencyKey?: string | null;
}

/** HSO + yyyyMMddHHmmss (APP_TIMEZONE) + 8 random digits, as looklook. */
export function newOrderSn(at = new Date()): string {
  return `HSO${stamp(at)}${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;
}

/** The checks of createHomestayOrder that need nothing but the input (BAD_USER_INPUT, naming the field). */
export function checkOrderInput(input: CreateOrderInput, today: string = todayIn()): number {
  if (!Number.isInteger(input.guests) || input.guests < 1) throw badInput('input.guests', 'guests must be at least 1');
  if (input.checkIn < today) throw badInput('input.checkIn', `checkIn must be today (${today}) or later`);
  const nights = stayLength(input.checkIn, input.checkOut, 'input.checkOut');
  if (input.remark != null && [...input.remark].length > 255) throw badInput('input.remark', 'remark must be at most 255 characters');
  if (input.idempotencyKey != null && (input.idempotencyKey.length < 1 || input.idempotencyKey.length > 64)) {
    throw badInput('input.idempotencyKey', 'idempotencyKey must be 1 to 64 characters');
  }
  return nights;
}

export function priceOrder(h: { rowType: RowType; price: number; foodPrice: number }, guests: number, nights: number, needFood: boolean) {
  const homestayTotal = h.rowType === 'PER_PERSON' ? h.price * guests * nights : h.price * nights;
  const foodTotal = needFood ? h.foodPrice * guests * nights : 0;
  return { homestayTotal, foodTotal, total: homestayTotal + foodTotal };
}

/** The most an order may cost, in cents (the price columns are 32-bit). */
export const ORDER_TOTAL_MAX = 2_000_000_000;

/**
 * The order's copy of the homestay its nights were reserved in, and its prices: BAD_USER_INPUT
 * when the stay costs more than an order can hold.
 */
export function bookedSnapshot(h: HomestayInfo, guests: number, nights: number, needFood: boolean): BookedSnapshot {
  const { homestayTotal, foodTotal, total } = priceOrder(h, guests, nights, needFood);
  if (total > ORDER_TOTAL_MAX) throw badInput('input.checkOut', 'the order total is too large');
  return {
    homestayId: h.id,
    title: h.title,
    subTitle: h.subTitle,
    cover: h.cover,
    info: h.info,
    peopleNum: h.peopleNum,
    rowType: ROW_TYPE_CODE[h.rowType],
    foodInfo: h.foodInfo,
    foodPrice: h.foodPrice,
    homestayPrice: h.price,
    marketHomestayPrice: h.marketPrice,
    homestayBusinessId: h.businessId,
    homestayUserId: h.landlordId,
    cancellationPolicy: h.cancellationPolicy,
    homestayTotalPrice: homestayTotal,
    foodTotalPrice: foodTotal,
    orderTotalPrice: total,
  };
}

/**
 * What a booking asks for, as a sha256 hex: the fields that make the order, with the schema's
 * defaults filled in (needFood false, no remark), so spelling a default out is the same input.
 */
export function inputFingerprint(input: CreateOrderInput): string {
  const canonical = [String(input.homestayId), input.checkIn, input.checkOut, input.guests, Boolean(input.needFood), input.remark ?? ''];
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}
