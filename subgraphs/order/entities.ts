import { EntitySchema } from '@mikro-orm/core';
import { BaseRow, idColumn } from '../../lib/base-row.js';
import type { CancellationPolicy } from '../../contracts/homestay.js';

/**
 * looklook's homestay_order: the order with a snapshot of the homestay and its prices (cents) at
 * booking time, so later price changes never alter an order. trade_state keeps looklook's codes
 * plus two internal ones of the booking saga (see state-machine.ts for the names).
 */
export class HomestayOrder extends BaseRow {
  sn!: string;
  userId!: string;
  homestayId!: string;
  // snapshot of the homestay
  title!: string;
  subTitle = '';
  cover = '';
  info = '';
  peopleNum!: number;
  /** 0 per room, 1 per person (looklook) */
  rowType!: number;
  foodInfo = '';
  foodPrice!: number;
  homestayPrice!: number;
  marketHomestayPrice!: number;
  homestayBusinessId!: string;
  homestayUserId!: string;
  /** The homestay's policy when the guest booked (null for orders booked before policies: FLEXIBLE). */
  cancellationPolicy: CancellationPolicy | null = null;
  // the stay
  needFood = false;
  /** YYYY-MM-DD */
  liveStartDate!: string;
  /** YYYY-MM-DD, the day of departure (not a night) */
  liveEndDate!: string;
  livePeopleNum!: number;
  remark = '';
  homestayTotalPrice!: number;
  foodTotalPrice!: number;
  orderTotalPrice!: number;
  tradeCode: string | null = null;
  tradeState!: number;
  payDeadline!: Date;
  paidAt: Date | null = null;
  closedAt: Date | null = null;
  idempotencyKey: string | null = null;
  /** sha256 of the booking input (booking-rules.ts inputFingerprint): a key reused with other input is refused. */
  inputFingerprint: string | null = null;
  /** Cents given back, set in the transaction that makes the order REFUNDED (0 is a refund of nothing). */
  refundAmount: number | null = null;
  /** When the payment service confirmed it gave refund_amount back (null while a refund of more than 0 is still owed). */
  refundConfirmedAt: Date | null = null;
}

export const HomestayOrderSchema = new EntitySchema<HomestayOrder, BaseRow>({
  class: HomestayOrder,
  tableName: 'homestay_order',
  extends: 'BaseRow',
  properties: {
    sn: { type: 'string', length: 25, unique: true },
    userId: idColumn(),
    homestayId: idColumn(),
    title: { type: 'string', length: 255 },
    subTitle: { type: 'string', length: 255, default: '' },
    cover: { type: 'string', length: 1024, default: '' },
    // No server default (MySQL gives text none): the class's '' is what the code writes.
    info: { type: 'text', default: null },
    peopleNum: { type: 'integer' },
    rowType: { type: 'tinyint' },
    foodInfo: { type: 'string', length: 255, default: '' },
    foodPrice: { type: 'integer' },
    homestayPrice: { type: 'integer' },
    marketHomestayPrice: { type: 'integer' },
    homestayBusinessId: idColumn(),
    homestayUserId: idColumn(),
    needFood: { type: 'boolean', default: false },
    liveStartDate: { type: 'date' },
    liveEndDate: { type: 'date' },
    livePeopleNum: { type: 'integer' },
    remark: { type: 'string', length: 255, default: '' },
    homestayTotalPrice: { type: 'integer' },
    foodTotalPrice: { type: 'integer' },
    orderTotalPrice: { type: 'integer' },
    tradeCode: { type: 'string', length: 8, columnType: 'char(8)', nullable: true },
    tradeState: { type: 'tinyint' },
    payDeadline: { type: 'datetime', length: 3 },
    paidAt: { type: 'datetime', length: 3, nullable: true },
    closedAt: { type: 'datetime', length: 3, nullable: true },
    idempotencyKey: { type: 'string', length: 64, nullable: true },
    inputFingerprint: { type: 'string', length: 64, columnType: 'char(64)', nullable: true },
    cancellationPolicy: { type: 'string', length: 16, nullable: true },
    refundAmount: { type: 'integer', nullable: true },
    refundConfirmedAt: { type: 'datetime', length: 3, nullable: true },
  },
  uniques: [{ name: 'homestay_order_user_idempotency_unique', properties: ['userId', 'idempotencyKey'] }],
  indexes: [
    { name: 'homestay_order_user_id_index', properties: ['userId', 'id'] },
    // landlordOrders: a landlord's orders, newest first
    { name: 'homestay_order_landlord_index', properties: ['homestayUserId', 'id'] },
    // the sweep of overdue unpaid orders, and of finished stays to settle
    { name: 'homestay_order_state_deadline_index', properties: ['tradeState', 'payDeadline'] },
    { name: 'homestay_order_state_end_index', properties: ['tradeState', 'liveEndDate'] },
    // the sweep of refunds whose payment has not confirmed them yet
    { name: 'homestay_order_state_refund_confirmed_index', properties: ['tradeState', 'refundConfirmedAt'] },
  ],
});

/**
 * What the platform owes a business for one finished stay: one per order (unique order_sn),
 * written by the settle job once the stay has ended (OrderTransitions.settle), for an order WAIT_USE
 * (moved to USED in the same transaction), USED (checked in) or partly REFUNDED. The amount is the
 * order's total less its refund_amount.
 */
export class SettleRecord extends BaseRow {
  orderSn!: string;
  businessId!: string;
  /** The order's homestay, for a homestay's settlements (null only on records whose order was missing when it was back-filled). */
  homestayId: string | null = null;
  amount!: number;
  periodStart!: string;
  /** The stay's checkOut day: a business's income is counted by it. */
  periodEnd!: string;
}

export const SettleRecordSchema = new EntitySchema<SettleRecord, BaseRow>({
  class: SettleRecord,
  tableName: 'settle_record',
  extends: 'BaseRow',
  properties: {
    orderSn: { type: 'string', length: 25, unique: true },
    businessId: idColumn(),
    homestayId: { ...idColumn(), nullable: true },
    amount: { type: 'integer' },
    periodStart: { type: 'date' },
    periodEnd: { type: 'date' },
  },
  indexes: [
    // HomestayBusiness.income: a business's stays ended in a run of days
    { name: 'settle_record_business_end_index', properties: ['businessId', 'periodEnd'] },
    // Homestay.settlements: newest first
    { name: 'settle_record_homestay_index', properties: ['homestayId', 'id'] },
  ],
});

export const entities = [HomestayOrderSchema, SettleRecordSchema];
