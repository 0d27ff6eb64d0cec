/**
 * What the payment service needs from a payment provider. The sandbox implements it; a real one
 * (WeChat Pay, say) would implement the same three operations and get a notify route of its own
 * (`POST /payments/notify/<name>`).
 */
export type NoticeStatus = 'SUCCESS' | 'FAILED' | 'REFUND';

/** A verified, parsed provider callback. */
export interface PaymentNotice {
  paymentSn: string;
  transactionId: string;
  amount: number;
  status: NoticeStatus;
}

export type VerifyResult =
  | { ok: true; notice: PaymentNotice }
  | { ok: false; reason: 'signature' | 'malformed' };

export interface PaymentToPrepare {
  /** The payment's own sn: the merchant order number the provider files the payment under. */
  sn: string;
  orderSn: string;
  amount: number;
}

export interface PaymentProvider {
  /** pay_mode stored on the payment, and the last segment of the notify route. */
  readonly payMode: string;
  readonly routeName: string;
  /** Opens a payment with the provider; tradeType is stored on the payment. */
  prepare(payment: PaymentToPrepare): Promise<{ tradeType: string }>;
  /** Checks a callback's signature on the raw body, then parses it. Never throws. */
  verifyCallback(rawBody: Buffer, headers: Record<string, string | string[] | undefined>): VerifyResult;
  /** Gives the money of a successful payment back; resolves once the provider accepted the refund. */
  refund(payment: { sn: string; transactionId: string; amount: number }, reason: string): Promise<{ refundId: string }>;
}
