import { EntitySchema } from '@mikro-orm/core';
import type { PaymentStatus } from '../../contracts/payment.js';
import { BaseRow, idColumn } from '../../lib/base-row.js';

/** looklook's pay_status codes, named. */
export const PAY_STATUS = { FAILED: -1, WAITING: 0, SUCCESS: 1, REFUNDED: 2 } as const satisfies Record<PaymentStatus, number>;
const BY_CODE = new Map(Object.entries(PAY_STATUS).map(([k, v]) => [v as number, k as PaymentStatus]));
export const statusOf = (code: number): PaymentStatus => BY_CODE.get(Number(code)) ?? 'WAITING';

/** looklook's third_payment: one payment attempt of an order with a provider. */
export class ThirdPayment extends BaseRow {
  sn!: string;
  userId!: string;
  payMode!: string;
  tradeType = '';
  tradeState = '';
  payTotal!: number;
  transactionId = '';
  tradeStateDesc = '';
  orderSn!: string;
  serviceType = 'homestayOrder';
  payStatus: number = PAY_STATUS.WAITING;
  payTime: Date | null = null;
  /** order_sn while the payment is waiting or paid; its unique index allows one such payment per order. */
  liveOrderSn: string | null = null;
  /** Cents given back once REFUNDED: all of pay_total, or part of it for a guest's refund by policy. */
  refundAmount: number | null = null;
}

/** An event written in the same transaction as the change it reports; the relay publishes it. */
export class PaymentOutbox extends BaseRow {
  eventId!: string;
  topic!: string;
  messageKey!: string;
  payload!: string;
  /** Kafka message headers as JSON: the trace context of the request that wrote the event. */
  headers: string | null = null;
  attempts = 0;
  sentAt: Date | null = null;
}

export const ThirdPaymentSchema = new EntitySchema<ThirdPayment, BaseRow>({
  class: ThirdPayment,
  tableName: 'third_payment',
  extends: 'BaseRow',
  properties: {
    sn: { type: 'string', length: 25, unique: true },
    userId: idColumn(),
    payMode: { type: 'string', length: 20, default: '' },
    tradeType: { type: 'string', length: 20, default: '' },
    tradeState: { type: 'string', length: 20, default: '' },
    payTotal: { type: 'integer' },
    transactionId: { type: 'string', length: 64, default: '' },
    tradeStateDesc: { type: 'string', length: 255, default: '' },
    orderSn: { type: 'string', length: 25, index: true },
    serviceType: { type: 'string', length: 32, default: 'homestayOrder' },
    payStatus: { type: 'tinyint', default: 0 },
    payTime: { type: 'datetime', length: 3, nullable: true },
    liveOrderSn: { type: 'string', length: 25, nullable: true, unique: true },
    refundAmount: { type: 'integer', nullable: true },
  },
});

export const PaymentOutboxSchema = new EntitySchema<PaymentOutbox, BaseRow>({
  class: PaymentOutbox,
  tableName: 'payment_outbox',
  extends: 'BaseRow',
  properties: {
    eventId: { type: 'string', length: 36, columnType: 'char(36)', unique: true },
    topic: { type: 'string', length: 64 },
    messageKey: { type: 'string', length: 64 },
    payload: { type: 'text' },
    headers: { type: 'string', length: 512, nullable: true },
    attempts: { type: 'integer', default: 0 },
    sentAt: { type: 'datetime', length: 3, nullable: true },
  },
  // the relay's scan for unsent events
  indexes: [{ name: 'payment_outbox_unsent_index', properties: ['sentAt', 'id'] }],
});

export const entities = [ThirdPaymentSchema, PaymentOutboxSchema];
