import { badInput } from '../../lib/errors.js';
import type { CancellationPolicy } from '../../contracts/homestay.js';
import type { RowTypeCode } from './entities.js';

/**
 * What a landlord may write about a business or a homestay: the lengths of the table columns (in
 * characters, as utf8mb4 varchar counts them) and sane ranges for the numbers, checked before
 * anything is written, each failure BAD_USER_INPUT naming the input field.
 */

/** The text fields of a homestay: [min, max] characters after trimming. */
const HOMESTAY_TEXT = {
  title: [1, 64],
  subTitle: [0, 128],
  info: [0, 4096],
  foodInfo: [0, 255],
  city: [1, 64],
} as const;

/** The whole-number fields of a homestay: [min, max]; prices are cents. */
const MAX_PRICE = 100_000_000;
const HOMESTAY_NUMBERS = {
  peopleNum: [1, 50],
  roomCount: [1, 500],
  price: [0, MAX_PRICE],
  foodPrice: [0, MAX_PRICE],
} as const;

type TextField = keyof typeof HOMESTAY_TEXT;
type NumberField = keyof typeof HOMESTAY_NUMBERS;

/** The homestay's fields a landlord writes, by column property (entities.ts). */
export interface HomestayFields {
  title?: string;
  subTitle?: string;
  info?: string;
  foodInfo?: string;
  city?: string;
  peopleNum?: number;
  roomCount?: number;
  homestayPrice?: number;
  foodPrice?: number;
  rowType?: RowTypeCode;
  cancellationPolicy?: CancellationPolicy;
  onSale?: boolean;
}

export type HomestayInput = Partial<Record<TextField, string | null>> &
  Partial<Record<NumberField, number | null>> & {
    rowType?: RowTypeCode | null;
    cancellationPolicy?: CancellationPolicy | null;
    onSale?: boolean | null;
  };

const chars = (s: string) => [...s].length;

function text(field: string, value: string, [min, max]: readonly [number, number]): string {
  const trimmed = value.trim();
  const n = chars(trimmed);
  if (n < min || n > max) {
    throw badInput(`input.${field}`, min > 0 ? `${field} must be ${min} to ${max} characters` : `${field} must be at most ${max} characters`);
  }
  return trimmed;
}

function whole(field: string, value: number, [min, max]: readonly [number, number]): number {
  if (!Number.isInteger(value) || value < min || value > max) throw badInput(`input.${field}`, `${field} must be a whole number from ${min} to ${max}`);
  return value;
}

/**
 * The checked fields present in `input` (absent or null ones are left out: an update keeps them),
 * trimmed, as entity properties.
 */
export function homestayFields(input: HomestayInput): HomestayFields {
  const out: HomestayFields = {};
  for (const field of Object.keys(HOMESTAY_TEXT) as TextField[]) {
    const value = input[field];
    if (value != null) out[field] = text(field, value, HOMESTAY_TEXT[field]);
  }
  for (const field of Object.keys(HOMESTAY_NUMBERS) as NumberField[]) {
    const value = input[field];
    if (value == null) continue;
    const checked = whole(field, value, HOMESTAY_NUMBERS[field]);
    if (field === 'price') out.homestayPrice = checked;
    else out[field] = checked;
  }
  if (input.rowType != null) out.rowType = input.rowType;
  if (input.cancellationPolicy != null) out.cancellationPolicy = input.cancellationPolicy;
  if (input.onSale != null) out.onSale = input.onSale;
  return out;
}

/** A business's title (1 to 32 characters) and info (at most 1024). */
export function businessFields(input: { title: string; info?: string | null }): { title: string; info: string } {
  return { title: text('title', input.title, [1, 32]), info: input.info == null ? '' : text('info', input.info, [0, 1024]) };
}
