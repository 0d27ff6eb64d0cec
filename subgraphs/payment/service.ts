import { randomInt, randomUUID } from 'node:crypto';
import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '../../lib/database.js';
import { stamp } from '../../lib/dates.js';
import { conflict, notFound } from '../../lib/errors.js';
import { topic } from '../../lib/kafka.js';
import { createLogger, type Logger } from '../../lib/logger.js';
import { paymentLateCaptures } from '../../lib/metrics.js';
import { traceCarrier } from '../../lib/request-context.js';
import { PAY_STATUS, PaymentOutbox, ThirdPayment, statusOf } from './entities.js';
import type { PaymentStatus } from '../../contracts/payment.js';
import type { CloseVerdict, PaymentState, PaymentStatusEvent } from '../../contracts/payment.js';
import type { PaymentNotice, PaymentProvider } from './provider/provider.js';
// Type-only: the order service owns the shape its internal routes return.
import { orderRoutes } from '../../contracts/order.js';
import { call } from '../../lib/contract.js';
import { rateLimits } from '../../lib/rate-limits.js';
import { rowReader } from '../../lib/rows.js';


/** `PMT` + yyyyMMddHHmmss (APP_TIMEZONE) + 8 random digits, like the order sn. */
export function paymentSn(now = new Date()): string {
  return `PMT${stamp(now)}${String(randomInt(0, 1e8)).padStart(8, '0')}`;
}

export type NoticeOutcome = 'accepted' | 'unchanged' | 'unknown-payment' | 'amount-mismatch';

/** A SUCCESS callback for a FAILED payment: it became the order's payment again, or it goes back. */
type LateCapture = 'live' | 'refund';

let moduleLog: Logger | undefined;
const log = () => (moduleLog ??= createLogger('payment-subgraph'));

/** The payment service's domain rules: resolvers, the callback route and internal routes go through it. */
export class PaymentService {
  constructor(
    private readonly em: EntityManager,
    private readonly provider: PaymentProvider,
    /** Called after a commit that wrote outbox rows, so the relay publishes them at once. */
    private readonly onOutboxWrite: () => void = () => undefined,
  ) {}

  /**
   * One live (waiting or paid) payment per order: a second call returns the same one.
   * RATE_LIMIT_PAY_PER_USER counts every call first (RATE_LIMITED, nothing asked of the provider or written).
   */
  async payOrder(userId: string, orderSn: string, requestId?: string): Promise<ThirdPayment> {
    await rateLimits().payPerUser.consume(String(userId));
    const order = await call('payment', orderRoutes.get, { sn: orderSn }, requestId);
    // Another user's order reads as NOT_FOUND, as everywhere.
    if (String(order.userId) !== String(userId)) throw notFound('order');
    if (order.state !== 'WAIT_PAY') throw conflict(`order ${orderSn} is ${order.state}, only a WAIT_PAY order can be paid`);
    const live = await this.liveFor(orderSn);
    if (live) return live;
    // The provider opens the payment under our sn (its merchant order number), so the sn comes first.
    // A concurrent call that wins the insert below leaves this one prepared and unused: no money moved.
    const sn = paymentSn();
    const { tradeType } = await this.provider.prepare({ sn, orderSn, amount: order.total });
    try {
      const payment = this.em.create(ThirdPayment, {
        sn,
        userId: String(userId),
        payMode: this.provider.payMode,
        tradeType,
        tradeState: 'NOTPAY',
        payTotal: order.total,
        orderSn,
        serviceType: 'homestayOrder',
        payStatus: PAY_STATUS.WAITING,
        liveOrderSn: orderSn,
      } as ThirdPayment);
      await this.em.flush();
      return payment;
    } catch (err) {
      // Two concurrent calls: the unique live_order_sn lets one insert win; the other returns it.
      if (err instanceof UniqueConstraintViolationException) {
        this.em.clear();
        const winner = await this.liveFor(orderSn);
        if (winner) return winner;
      }
      throw err;
    }
  }

  private liveFor(orderSn: string) {
    return this.em.findOne(ThirdPayment, { liveOrderSn: orderSn, delState: 0 });
  }

  findBySns(sns: readonly string[]): Promise<ThirdPayment[]> {
    return this.em.find(ThirdPayment, { sn: { $in: [...sns] }, delState: 0 });
  }

  findByOrderSns(orderSns: readonly string[]): Promise<ThirdPayment[]> {
    return this.em.find(ThirdPayment, { orderSn: { $in: [...orderSns] }, delState: 0 }, { orderBy: { id: 'asc' } });
  }

  /**
   * Applies a verified provider callback. The payment change and its outbox event commit in one
   * transaction, under a row lock, so the same callback twice (even at once) changes nothing more.
   *
   * SUCCESS for a FAILED payment (the provider captured after all: a late capture) is money that
   * must end somewhere. The payment takes the order's live slot back when no other payment holds
   * it, and then goes the way of any SUCCESS (it pays the order, or is refunded if the order
   * closed); when another payment holds the slot (waiting, paid or refunded), it is refunded here,
   * and its SUCCESS event makes the consumer finish that refund should this one fail.
   */
  async applyNotice(notice: PaymentNotice): Promise<NoticeOutcome> {
    let applied: { outcome: NoticeOutcome; late?: LateCapture; orderSn?: string };
    try {
      applied = await this.applyInTransaction(notice, true);
    } catch (err) {
      // The unique live_order_sn refused the slot: another payment of the order holds it.
      if (!(err instanceof UniqueConstraintViolationException)) throw err;
      this.em.clear();
      applied = await this.applyInTransaction(notice, false);
    }
    if (applied.outcome === 'accepted') this.onOutboxWrite();
    if (applied.late) await this.afterLateCapture(notice, applied.orderSn!, applied.late);
    return applied.outcome;
  }

  /**
   * The callback's transaction in plain statements (lock, guarded UPDATE, outbox INSERT), not the
   * unit of work: a flush also read the row's version back after the UPDATE and the INSERT, two
   * round trips of seven on every payment (the payments profile, issue 15).
   */
  private applyInTransaction(notice: PaymentNotice, takeSlot: boolean) {
    return this.em.transactional(async (tx): Promise<{ outcome: NoticeOutcome; late?: LateCapture; orderSn?: string }> => {
      const conn = tx.getConnection();
      const trx = tx.getTransactionContext();
      const payments = rowReader(tx as EntityManager, ThirdPayment);
      const [row] = await conn.execute<Record<string, unknown>[]>(
        `select ${payments.columns('p')} from third_payment p where p.sn = ? and p.del_state = 0 for update`,
        [notice.paymentSn],
        'all',
        trx,
      );
      if (!row) return { outcome: 'unknown-payment' };
      const p = payments.read(row);
      if (p.payTotal !== notice.amount) return { outcome: 'amount-mismatch' };
      const current = statusOf(p.payStatus);
      const set: Record<string, unknown> = {};
      let to: PaymentStatus | null = null;
      let late: LateCapture | undefined;
      if (notice.status === 'SUCCESS' && current === 'WAITING') to = 'SUCCESS';
      else if (notice.status === 'SUCCESS' && current === 'FAILED') {
        to = 'SUCCESS';
        late = takeSlot ? 'live' : 'refund';
        if (takeSlot) set.live_order_sn = p.orderSn;
      } else if (notice.status === 'FAILED' && current === 'WAITING') to = 'FAILED';
      else if (notice.status === 'REFUND' && current === 'SUCCESS') {
        to = 'REFUNDED';
        // The provider gives back the whole payment on its own.
        set.refund_amount = p.payTotal;
      }
      if (!to) return { outcome: 'unchanged' };
      if (notice.transactionId) set.transaction_id = notice.transactionId;
      Object.assign(set, statusColumns(p, to, notice.status === 'FAILED' ? 'PAYERROR' : notice.status));
      const columns = Object.keys(set);
      await conn
        .execute(`update third_payment set ${columns.map((c) => `${c} = ?`).join(', ')}, version = version + 1 where id = ?`, [...columns.map((c) => set[c]), p.id], 'run', trx)
        // Plain statements fail with the driver's error: applyNotice tells the live slot's refusal by MikroORM's class.
        .catch((err: Error) => {
          throw tx.getDriver().convertException(err);
        });
      const event = outboxRow(statusEvent(p, to));
      await conn.execute(
        'insert into payment_outbox (event_id, topic, message_key, payload, headers) values (?, ?, ?, ?, ?)',
        [event.eventId, event.topic, event.messageKey, event.payload, event.headers],
        'run',
        trx,
      );
      return { outcome: 'accepted', late, orderSn: p.orderSn };
    });
  }

  private async afterLateCapture(notice: PaymentNotice, orderSn: string, late: LateCapture) {
    paymentLateCaptures.inc({ outcome: late });
    const fields = { paymentSn: notice.paymentSn, orderSn, transactionId: notice.transactionId, amount: notice.amount, outcome: late };
    if (late === 'live') {
      log().warn(fields, 'late capture: SUCCESS for a FAILED payment; no other payment holds the order, so this one pays it');
      return;
    }
    log().warn(fields, 'late capture: SUCCESS for a FAILED payment while another payment holds the order; refunding it');
    try {
      await this.refund(notice.paymentSn, 'late capture: another payment holds the order');
    } catch (err) {
      // The callback is answered all the same: its SUCCESS event makes the consumer retry the refund.
      log().warn({ ...fields, err: (err as Error).message }, 'late capture refund failed; the payment-status consumer retries it');
    }
  }

  /** Payments as they are now, for payment events (the consumer asks for many at once); unknown sns are left out. */
  async current(sns: readonly string[]): Promise<PaymentState[]> {
    const rows = await this.em.find(ThirdPayment, { sn: { $in: [...sns] }, delState: 0 }, { refresh: true });
    return rows.map((p) => ({
      sn: p.sn,
      orderSn: p.orderSn,
      status: statusOf(p.payStatus),
      live: p.liveOrderSn === p.orderSn,
      amount: p.payTotal,
      paidAt: p.payTime ? p.payTime.toISOString() : null,
      refundAmount: p.refundAmount,
    }));
  }

  /**
   * The payment side of closing an unpaid order, asked before the order is cancelled (as a real
   * platform closes the provider's trade first). Under the lock of the order's payment rows,
   * which the callback takes too, one of the two comes first: a confirmation recorded before this
   * pays the order (whenever it came: the consumer would pay a WAIT_PAY order with it too), and a
   * confirmation after it finds its payment FAILED. Waiting payments are failed only from the
   * deadline on, by the clock that stamps pay_time, so a payment confirmed before the deadline is
   * never turned away. Safe to ask again: a closed order stays closed, a paid one paid. A guest's
   * cancel asks the same with no deadline, so a payment the provider confirmed just before it
   * pays the order instead of being refunded.
   */
  async closeForOrder(orderSn: string, deadline: Date | null): Promise<CloseVerdict> {
    return (await this.closeForOrders([{ orderSn, deadline }])).get(orderSn)!;
  }

  /**
   * closeForOrder for many orders in one transaction (the close-order jobs of one moment), a
   * verdict per order as each would get alone. The payment rows are locked in (order sn, id)
   * order whatever the batch, so two batches sharing an order wait for each other rather than
   * deadlock.
   */
  async closeForOrders(orders: readonly { orderSn: string; deadline: Date | null }[]): Promise<Map<string, CloseVerdict>> {
    const sns = [...new Set(orders.map((o) => o.orderSn))].sort();
    const verdicts = await this.em.transactional(async (em) => {
      const payments = await em.find(
        ThirdPayment,
        { orderSn: { $in: sns }, delState: 0 },
        { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { orderSn: 'asc', id: 'asc' } },
      );
      const verdicts = new Map<string, CloseVerdict>();
      for (const { orderSn, deadline } of orders) {
        if (verdicts.has(orderSn)) continue;
        const own = payments.filter((p) => p.orderSn === orderSn);
        // Only the payment holding the order's live slot pays it; a late capture without the slot is
        // being given back (see notify) and must not keep the order open.
        const paid = own.find((p) => p.payStatus === PAY_STATUS.SUCCESS && p.liveOrderSn === p.orderSn);
        if (paid) {
          verdicts.set(orderSn, { outcome: 'paid', paymentSn: paid.sn, amount: paid.payTotal, paidAt: (paid.payTime ?? new Date()).toISOString() });
          continue;
        }
        // No deadline: the guest cancels, which closes the payments now.
        if (deadline && Date.now() < deadline.getTime()) {
          verdicts.set(orderSn, { outcome: 'open' });
          continue;
        }
        const waiting = own.filter((p) => p.payStatus === PAY_STATUS.WAITING);
        for (const p of waiting) {
          p.tradeStateDesc = `closed: order ${orderSn} passed its pay deadline unpaid`.slice(0, 255);
          this.move(em, p, 'FAILED', 'CLOSED');
        }
        verdicts.set(orderSn, { outcome: 'closed', failed: waiting.map((p) => p.sn) });
      }
      await em.flush();
      return verdicts;
    });
    if ([...verdicts.values()].some((v) => v.outcome === 'closed' && v.failed.length)) this.onOutboxWrite();
    return verdicts;
  }

  /**
   * Refunds a successful payment through the provider (a payment for an order that was closed in
   * the meantime): the money never stays. Idempotent: a refunded payment is returned as it is.
   */
  async refund(paymentSnValue: string, reason: string): Promise<ThirdPayment> {
    const payment = await this.em.findOne(ThirdPayment, { sn: paymentSnValue, delState: 0 });
    if (!payment) throw notFound('payment');
    if (payment.payStatus === PAY_STATUS.REFUNDED) return payment;
    if (payment.payStatus !== PAY_STATUS.SUCCESS) throw conflict(`payment ${paymentSnValue} is ${statusOf(payment.payStatus)}, only a successful payment is refunded`);
    // The provider is asked first; asking again after a crash is safe (the sandbox accepts, a real
    // provider refunds by the payment's own refund number once).
    const { refundId } = await this.provider.refund({ sn: payment.sn, transactionId: payment.transactionId, amount: payment.payTotal }, reason);
    const result = await this.em.transactional(async (em) => {
      const p = await em.findOneOrFail(ThirdPayment, { sn: paymentSnValue }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
      if (p.payStatus === PAY_STATUS.SUCCESS) {
        p.tradeStateDesc = `refunded (${refundId}): ${reason}`.slice(0, 255);
        p.refundAmount = p.payTotal;
        this.move(em, p, 'REFUNDED', 'REFUND');
        await em.flush();
      }
      return p;
    });
    this.onOutboxWrite();
    return result;
  }

  /**
   * A guest's refund by policy (the order service made the order REFUNDED first): gives back
   * `amount` of the order's live, successful payment through the provider, and the payment turns
   * REFUNDED (also when the refund is partial) with its event, as any refund.
   *
   * One refund per order however often and however concurrently this is asked (the request, the
   * sweep's backstop and a repeated request all land here): the payment row stays locked from
   * the check to the commit, the provider call included, so a second call waits and then finds
   * the payment REFUNDED. Asked again with the same amount, it answers the same; with another
   * amount (or after the provider refunded the whole payment on its own) it is CONFLICT. Should
   * this process die between the provider's answer and the commit, the next call asks the
   * provider again, which a real provider dedupes by the refund number (the payment's sn).
   */
  async refundOrder(orderSn: string, amount: number, reason: string): Promise<ThirdPayment> {
    const { payment, changed } = await this.em.transactional(async (em) => {
      const p = await em.findOne(ThirdPayment, { liveOrderSn: orderSn, delState: 0 }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
      if (!p || (p.payStatus !== PAY_STATUS.SUCCESS && p.payStatus !== PAY_STATUS.REFUNDED)) {
        throw conflict(`order ${orderSn} has no successful payment to refund`);
      }
      if (p.payStatus === PAY_STATUS.REFUNDED) {
        const refunded = p.refundAmount ?? p.payTotal;
        if (refunded !== amount) throw conflict(`payment ${p.sn} of order ${orderSn} was refunded ${refunded}, not ${amount}`);
        return { payment: p, changed: false };
      }
      if (amount > p.payTotal) throw conflict(`a refund of ${amount} is more than payment ${p.sn} took (${p.payTotal})`);
      const { refundId } = await this.provider.refund({ sn: p.sn, transactionId: p.transactionId, amount }, reason);
      p.tradeStateDesc = `refunded ${amount} (${refundId}): ${reason}`.slice(0, 255);
      p.refundAmount = amount;
      this.move(em, p, 'REFUNDED', 'REFUND');
      await em.flush();
      return { payment: p, changed: true };
    });
    if (changed) this.onOutboxWrite();
    return payment;
  }

  /** Changes a payment's status and writes the event for it in the caller's transaction. */
  private move(em: EntityManager, p: ThirdPayment, to: PaymentStatus, tradeState: string) {
    const columns = statusColumns(p, to, tradeState);
    p.payStatus = columns.pay_status;
    p.tradeState = columns.trade_state;
    if ('live_order_sn' in columns) p.liveOrderSn = null;
    em.create(PaymentOutbox, outboxRow(statusEvent(p, to)) as PaymentOutbox);
  }
}

/** What a move to `to` writes on a payment row, by column (and sets payTime on `p`, for its event). */
function statusColumns(p: { payTime?: Date | null }, to: PaymentStatus, tradeState: string) {
  const columns: { pay_status: number; trade_state: string; pay_time?: Date; live_order_sn?: null } = { pay_status: PAY_STATUS[to], trade_state: tradeState };
  if (to === 'SUCCESS') p.payTime = columns.pay_time = new Date();
  // A failed payment gives the order's live slot back.
  if (to === 'FAILED') columns.live_order_sn = null;
  return columns;
}

/** The payment-status event of a move, as the consumer reads it. */
function statusEvent(p: { sn: string; orderSn: string; payTotal: number; payTime?: Date | null }, to: PaymentStatus): PaymentStatusEvent {
  return {
    eventId: randomUUID(),
    orderSn: p.orderSn,
    paymentSn: p.sn,
    payStatus: to,
    amount: p.payTotal,
    paidAt: p.payTime ? p.payTime.toISOString() : null,
  };
}

/** The outbox row that carries an event to Kafka (keyed by order, so one order's events keep their order). */
function outboxRow(event: PaymentStatusEvent) {
  return {
    eventId: event.eventId,
    topic: topic('paymentUpdatePayStatus'),
    messageKey: event.orderSn,
    payload: JSON.stringify(event),
    headers: JSON.stringify(traceCarrier()),
  };
}
