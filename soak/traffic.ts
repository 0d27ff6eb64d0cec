import type { Cluster, Side } from './cluster.js';
import { codeOf, gql, sandboxCallback, type GqlReply, type NoticeStatus } from './client.js';
import type { Databases } from './db.js';
import type { BookedOrder, Guest, Ledger } from './ledger.js';
import type { Rng } from './rng.js';

/**
 * The soak's clients: guests browsing, booking (often several at once for the last rooms of the
 * same nights), and every booked order following a plan drawn from the seed: paid, paid twice,
 * failed then paid, refunded, paid late, paid right at its deadline, cancelled while the payment
 * arrives, given up by the guest (requestRefund, at times repeated or several at once), and so
 * on. The payment provider is the soak too: it sends the signed sandbox callbacks
 * through either gateway, with the duplicates, delays and disorder of a real one.
 */
export interface Stay {
  checkIn: string;
  checkOut: string;
}

export interface TrafficContext {
  cluster: Cluster;
  db: Databases;
  ledger: Ledger;
  guests: Guest[];
  homestays: { id: string; rooms: number }[];
  stays: Stay[];
  sandboxSecret: string;
  /** Days between two stays moved into the past: more than the span of bookable stays, so none overlap. */
  travelStepDays: number;
  /** Called for every order booked: a guest with a subscriber watches it live. */
  watch: (guest: Guest, sn: string) => void;
  /** Traffic starts no new work after this instant. */
  endAt: number;
  log: (m: string) => void;
}

const CREATE = `mutation($input: CreateHomestayOrderInput!) { createHomestayOrder(input: $input) { sn state total payDeadline } }`;
const CANCEL = `mutation($sn: ID!) { cancelOrder(sn: $sn) { sn state } }`;
const PAY = `mutation($sn: ID!) { payOrder(orderSn: $sn) { sn amount status } }`;
const LIST = `query($checkIn: Date, $checkOut: Date) { homestays(first: 10, scope: ALL, checkIn: $checkIn, checkOut: $checkOut) { edges { node { id title } } } }`;
const ONE = `query($id: ID!) { homestay(id: $id) { id title } }`;
const MINE = `{ me { id notifications(first: 5) { kind } } myOrders(first: 5) { edges { node { sn state payments { sn status } } } } }`;
const REFUND = `mutation($sn: ID!) { requestRefund(orderSn: $sn, reason: "soak") { sn state refundAmount } }`;

/** How many orders may be following their plan at once (each one sleeps, so this bounds memory, not CPU). */
const MAX_LIVE_PLANS = 80;

/** Weights of the plans a booked order follows. */
const PLANS = {
  abandon: 8,
  cancel: 7,
  pay: 18,
  payTwice: 8,
  failedThenPaid: 8,
  successAfterFailed: 6,
  refund: 8,
  refundBeforeSuccess: 5,
  late: 6,
  atDeadline: 10,
  cancelWhilePaying: 7,
  settle: 12,
  guestRefund: 14,
} as const;
type Plan = keyof typeof PLANS;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** The codes a healthy product answers with under faults; anything else is worth a look. */
const EXPECTED = new Set(['SOLD_OUT', 'CONFLICT', 'NOT_FOUND', 'SERVICE_UNAVAILABLE', 'NETWORK', 'HTTP_502', 'HTTP_503', 'HTTP_504']);

export class Traffic {
  private readonly plans = new Set<Promise<void>>();
  private travelSeq = 0;

  constructor(private readonly ctx: TrafficContext) {}

  private url(rng: Rng): string {
    return this.ctx.cluster.graphqlUrl(rng.pick<Side>(['A', 'B']));
  }

  /** Counts the call and its outcome; true when the platform looked unavailable (the client then backs off). */
  private note(op: string, r: GqlReply): boolean {
    this.ctx.ledger.op(op);
    const code = codeOf(r);
    if (!r.errors) {
      this.ctx.ledger.outcome(`${op} ok`);
      return false;
    }
    this.ctx.ledger.outcome(`${op} ${code ?? 'error'}`);
    if (!code || !EXPECTED.has(code)) this.ctx.ledger.odd(`${op}: ${code} ${r.errors[0]?.message}`);
    return r.status === 0 || r.status >= 500 || code === 'INTERNAL_SERVER_ERROR' || code === 'SERVICE_UNAVAILABLE';
  }

  /** Runs `workers` clients until endAt, then waits for every order's plan to finish. */
  async run(rng: Rng, workers: number): Promise<void> {
    await Promise.all(Array.from({ length: workers }, () => this.worker(rng.fork())));
    while (this.plans.size) await Promise.all([...this.plans]);
  }

  private async worker(rng: Rng): Promise<void> {
    while (Date.now() < this.ctx.endAt) {
      const busy = this.plans.size >= MAX_LIVE_PLANS;
      const op = busy ? 'browse' : rng.weighted({ browse: 25, mine: 8, book: 45, race: 22 });
      let unavailable: boolean;
      if (op === 'browse') unavailable = await this.browse(rng);
      else if (op === 'mine') unavailable = this.note('myOrders', await gql(this.url(rng), MINE, {}, rng.pick(this.ctx.guests).token));
      else if (op === 'book') unavailable = await this.book(rng, rng.pick(this.ctx.homestays).id, rng.pick(this.ctx.stays), [rng.pick(this.ctx.guests)]);
      else {
        // Several guests at once for the same nights of a homestay with one to three rooms.
        const guests = new Set<Guest>();
        const n = Math.min(rng.int(2, 5), this.ctx.guests.length);
        while (guests.size < n) guests.add(rng.pick(this.ctx.guests));
        unavailable = await this.book(rng, rng.pick(this.ctx.homestays).id, rng.pick(this.ctx.stays), [...guests]);
      }
      // An app waits a moment before trying again when the platform is down.
      await sleep(unavailable ? rng.int(500, 1500) : rng.int(0, 150));
    }
  }

  private async browse(rng: Rng): Promise<boolean> {
    if (rng.chance(0.5)) {
      const stay = rng.pick(this.ctx.stays);
      return this.note('browse', await gql(this.url(rng), LIST, rng.chance(0.5) ? { ...stay } : {}));
    }
    return this.note('browse', await gql(this.url(rng), ONE, { id: rng.pick(this.ctx.homestays).id }));
  }

  private async book(rng: Rng, homestayId: string, stay: Stay, guests: Guest[]): Promise<boolean> {
    let unavailable = false;
    const results = await Promise.all(
      guests.map(async (guest) => {
        const r = await gql(this.url(rng), CREATE, { input: { homestayId, ...stay, guests: 1 } }, guest.token);
        if (this.note('createHomestayOrder', r)) unavailable = true;
        return { guest, r };
      }),
    );
    if (guests.length > 1) this.ctx.ledger.outcome(`race of ${guests.length}: ${results.filter((x) => x.r.data?.createHomestayOrder).length} booked`);
    for (const { guest, r } of results) {
      const o = r.data?.createHomestayOrder;
      if (!o) continue;
      const plan = this.plans.size < MAX_LIVE_PLANS ? rng.weighted(PLANS) : 'abandon';
      const order: BookedOrder = { sn: o.sn, guest, homestayId, total: o.total, payDeadline: Date.parse(o.payDeadline), plan };
      this.ctx.ledger.orders.set(order.sn, order);
      this.ctx.watch(guest, order.sn);
      this.ctx.ledger.outcome(`plan ${plan}`);
      const p = this.follow(rng.fork(), order, plan).catch((err) => this.ctx.ledger.odd(`plan ${plan} of ${order.sn} threw: ${(err as Error).message}`));
      this.plans.add(p);
      void p.finally(() => this.plans.delete(p));
    }
    return unavailable;
  }

  // ------------------------------------------------------------------ an order's plan

  private async payOrder(rng: Rng, o: BookedOrder): Promise<{ sn: string; amount: number } | null> {
    const r = await gql(this.url(rng), PAY, { sn: o.sn }, o.guest.token);
    this.note('payOrder', r);
    return r.data?.payOrder ?? null;
  }

  /** The provider's callback; a REFUND the provider sends on its own is remembered (it is not the platform's doing). */
  private async notify(rng: Rng, payment: { sn: string; amount: number }, status: NoticeStatus): Promise<void> {
    if (status === 'REFUND') this.ctx.ledger.refundRequested.add(payment.sn);
    const gateways = () => this.ctx.cluster.gatewayUrl(rng.pick<Side>(['A', 'B']));
    const r = await sandboxCallback(gateways, { paymentSn: payment.sn, amount: payment.amount, status }, this.ctx.sandboxSecret);
    this.ctx.ledger.op(`callback ${status}`);
    if (status === 'SUCCESS' && r.status === 200 && r.text === 'SUCCESS') this.ctx.ledger.captured.add(payment.sn);
    this.ctx.ledger.outcome(`callback ${status} ${r.status === 200 ? r.text : `unacknowledged (${r.status})`}`);
    if (r.status !== 200) this.ctx.ledger.odd(`callback ${status}: not acknowledged after ${r.attempts} attempts, last ${r.status} ${r.text}`);
  }

  private async cancel(rng: Rng, o: BookedOrder): Promise<void> {
    this.note('cancelOrder', await gql(this.url(rng), CANCEL, { sn: o.sn }, o.guest.token));
  }

  /**
   * requestRefund of the guest's paid stay; asked again after a pause (a few times) when it came
   * before the payment's event made the order WAIT_USE (CONFLICT) or the platform was down.
   */
  private async requestRefund(rng: Rng, o: BookedOrder): Promise<void> {
    for (let attempt = 1; attempt <= 4; attempt++) {
      const r = await gql(this.url(rng), REFUND, { sn: o.sn }, o.guest.token);
      const unavailable = this.note('requestRefund', r);
      const refunded = r.data?.requestRefund;
      if (refunded) {
        const share = refunded.refundAmount === 0 ? 'nothing' : refunded.refundAmount === o.total ? 'all' : 'part';
        this.ctx.ledger.outcome(`requestRefund gave back ${share}`);
        return;
      }
      // CONFLICT: the payment's event may not have made the order WAIT_USE yet.
      if (!unavailable && codeOf(r) !== 'CONFLICT') return;
      await sleep(rng.int(1000, 3000));
    }
  }

  private async follow(rng: Rng, o: BookedOrder, plan: Plan): Promise<void> {
    await sleep(rng.int(0, 1500));
    switch (plan) {
      case 'abandon':
        return;
      case 'cancel':
        return this.cancel(rng, o);
      case 'pay': {
        const p = await this.payOrder(rng, o);
        if (p) await this.notify(rng, p, 'SUCCESS');
        return;
      }
      case 'payTwice': {
        // Two taps on "pay", then the provider's notice three times at once and once more later.
        const [p] = await Promise.all([this.payOrder(rng, o), this.payOrder(rng, o)]);
        if (!p) return;
        await Promise.all([1, 2, 3].map(() => this.notify(rng, p, 'SUCCESS')));
        await sleep(rng.int(1000, 6000));
        await this.notify(rng, p, 'SUCCESS');
        return;
      }
      case 'failedThenPaid': {
        const first = await this.payOrder(rng, o);
        if (!first) return;
        await this.notify(rng, first, 'FAILED');
        const second = await this.payOrder(rng, o);
        if (second) await this.notify(rng, second, 'SUCCESS');
        // The first payment's provider changes its mind late.
        if (rng.chance(0.5)) await this.notify(rng, first, 'SUCCESS');
        return;
      }
      case 'successAfterFailed': {
        const p = await this.payOrder(rng, o);
        if (!p) return;
        await this.notify(rng, p, 'FAILED');
        await sleep(rng.int(0, 2000));
        await this.notify(rng, p, 'SUCCESS');
        return;
      }
      case 'refund': {
        const p = await this.payOrder(rng, o);
        if (!p) return;
        await this.notify(rng, p, 'SUCCESS');
        await sleep(rng.int(500, 5000));
        await this.notify(rng, p, 'REFUND');
        if (rng.chance(0.3)) await this.notify(rng, p, 'REFUND');
        return;
      }
      case 'refundBeforeSuccess': {
        const p = await this.payOrder(rng, o);
        if (!p) return;
        if (rng.chance(0.5)) {
          await this.notify(rng, p, 'REFUND');
          await this.notify(rng, p, 'SUCCESS');
        } else {
          await Promise.all([this.notify(rng, p, 'SUCCESS'), this.notify(rng, p, 'REFUND')]);
        }
        return;
      }
      case 'late': {
        const p = await this.payOrder(rng, o);
        if (!p) return;
        await sleep(o.payDeadline - Date.now() + rng.int(300, 4000));
        await this.notify(rng, p, 'SUCCESS');
        return;
      }
      case 'atDeadline': {
        // Paid in the last moments before the deadline, when the close job is about to run.
        const p = await this.payOrder(rng, o);
        if (!p) return;
        await sleep(o.payDeadline - Date.now() - rng.int(200, 2500));
        await this.notify(rng, p, 'SUCCESS');
        return;
      }
      case 'cancelWhilePaying': {
        const p = await this.payOrder(rng, o);
        if (!p) return;
        await Promise.all([this.notify(rng, p, 'SUCCESS'), sleep(rng.int(0, 300)).then(() => this.cancel(rng, o))]);
        return;
      }
      case 'guestRefund': {
        // The guest gives the paid stay up: once, again later, with several taps at once, or while
        // the provider refunds the whole payment on its own.
        const p = await this.payOrder(rng, o);
        if (!p) return;
        await this.notify(rng, p, 'SUCCESS');
        await sleep(rng.int(500, 4000));
        const how = rng.weighted({ once: 5, repeated: 3, concurrent: 3, withProviderRefund: 1 });
        this.ctx.ledger.outcome(`guest refund ${how}`);
        if (how === 'concurrent') {
          await Promise.all(Array.from({ length: rng.int(2, 4) }, () => this.requestRefund(rng, o)));
        } else if (how === 'withProviderRefund') {
          await Promise.all([this.requestRefund(rng, o), sleep(rng.int(0, 300)).then(() => this.notify(rng, p, 'REFUND'))]);
        } else {
          await this.requestRefund(rng, o);
          if (how === 'repeated') {
            await sleep(rng.int(500, 5000));
            await this.requestRefund(rng, o);
          }
        }
        return;
      }
      case 'settle': {
        const p = await this.payOrder(rng, o);
        if (!p) return;
        await this.notify(rng, p, 'SUCCESS');
        await sleep(rng.int(1000, 5000));
        await this.timeTravel(o);
        // Sometimes the provider refunds while the settle job may be running.
        if (rng.chance(0.3)) {
          await sleep(rng.int(0, 12_000));
          await this.notify(rng, p, 'REFUND');
        }
        return;
      }
    }
  }

  /**
   * A fixture, not an API call: settlement needs a stay that has ended, and no booking can be in
   * the past, so this moves one order's stay back in time, on both sides at once: the order's
   * dates, and its held nights with their inventory counters (the same night counts in one
   * transaction, as a reserve would). Each move goes to a stretch of the calendar of its own, far
   * in the past, so no two moved stays ever share a night.
   */
  private async timeTravel(o: BookedOrder): Promise<void> {
    const days = 400 + this.ctx.travelStepDays * this.travelSeq++;
    const { db } = this.ctx;
    for (let attempt = 1; ; attempt++) {
      try {
        await db.transaction('homestay', async (c) => {
          const [held] = (await c.query(
            `select homestay_id, date_format(night, '%Y-%m-%d') as night from homestay_reservation where sn = ? and state = 0 order by night for update`,
            [o.sn],
          )) as unknown as [{ homestay_id: string; night: string }[]];
          if (!held.length) return;
          const homestayId = held[0]!.homestay_id;
          const nights = held.map((h) => h.night);
          await c.query('update homestay_reservation set night = night - interval ? day, version = version + 1 where sn = ? and state = 0', [days, o.sn]);
          await c.query(`update homestay_inventory set reserved = reserved - 1 where homestay_id = ? and night in (${nights.map(() => '?').join(',')})`, [homestayId, ...nights]);
          await c.query(
            `insert into homestay_inventory (homestay_id, night, reserved) values ${nights.map(() => '(?, date_sub(?, interval ? day), 1)').join(',')}
             on duplicate key update reserved = reserved + 1`,
            nights.flatMap((n) => [homestayId, n, days]),
          );
        });
        break;
      } catch (err) {
        // A deadlock or lock wait with a booking on the same nights: try again, as the product does.
        if (![1205, 1213].includes((err as { errno?: number }).errno ?? 0) || attempt >= 5) throw err;
      }
    }
    await db.query('order', 'update homestay_order set live_start_date = live_start_date - interval ? day, live_end_date = live_end_date - interval ? day where sn = ?', [days, days, o.sn]);
    this.ctx.ledger.timeTravelled.add(o.sn);
    this.ctx.ledger.outcome('stay moved into the past');
  }
}
