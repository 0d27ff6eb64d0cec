import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { NoticeStatus, PaymentNotice, PaymentProvider, PaymentToPrepare, VerifyResult } from './provider.js';

export const SANDBOX_SIGNATURE_HEADER = 'x-sandbox-signature';
const STATUSES: readonly NoticeStatus[] = ['SUCCESS', 'FAILED', 'REFUND'];

/** `sha256=<hex HMAC-SHA256 of the raw body>` (CONTRACT.md, sandbox payment callback). */
export function signSandboxBody(rawBody: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

/** Compares in constant time; a header of another length is refused without comparing. */
export function sandboxSignatureValid(rawBody: Buffer, header: string | undefined, secret: string): boolean {
  if (!header) return false;
  const expected = Buffer.from(signSandboxBody(rawBody, secret));
  const given = Buffer.from(header.trim());
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function parseNotice(raw: Buffer): PaymentNotice | null {
  try {
    const b = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    if (typeof b.paymentSn !== 'string' || !b.paymentSn || b.paymentSn.length > 64) return null;
    if (typeof b.transactionId !== 'string' || b.transactionId.length > 64) return null;
    if (typeof b.amount !== 'number' || !Number.isSafeInteger(b.amount) || b.amount < 0) return null;
    if (!STATUSES.includes(b.status as NoticeStatus)) return null;
    return { paymentSn: b.paymentSn, transactionId: b.transactionId, amount: b.amount, status: b.status as NoticeStatus };
  } catch {
    return null;
  }
}

/**
 * The sandbox provider: no money moves. QA (or the `sandboxPay` mutation in development) sends the
 * signed callback a real provider would send; refunds are accepted at once.
 */
export class SandboxProvider implements PaymentProvider {
  readonly payMode = 'SANDBOX';
  readonly routeName = 'sandbox';
  constructor(private readonly secret: string) {}

  async prepare(payment: PaymentToPrepare): Promise<{ tradeType: string }> {
    // As a real provider (WeChat Pay's out_trade_no: 6-32 letters, digits, _ or -): no merchant
    // order number, no payment.
    if (!/^[A-Za-z0-9_-]{6,32}$/.test(payment.sn)) throw new Error(`sandbox prepare needs the payment sn, got "${payment.sn}"`);
    return { tradeType: 'SANDBOX' };
  }

  verifyCallback(rawBody: Buffer, headers: Record<string, string | string[] | undefined>): VerifyResult {
    const header = headers[SANDBOX_SIGNATURE_HEADER];
    if (!sandboxSignatureValid(rawBody, Array.isArray(header) ? header[0] : header, this.secret)) return { ok: false, reason: 'signature' };
    const notice = parseNotice(rawBody);
    return notice ? { ok: true, notice } : { ok: false, reason: 'malformed' };
  }

  async refund(payment: { sn: string }): Promise<{ refundId: string }> {
    return { refundId: `SBXR${payment.sn.slice(3)}${randomBytes(2).toString('hex')}` };
  }

  /** The body and signature header the sandbox "sends" for a payment (sandboxPay, tests, QA). */
  signedCallback(notice: PaymentNotice): { body: string; signature: string } {
    const body = JSON.stringify(notice);
    return { body, signature: signSandboxBody(body, this.secret) };
  }
}
