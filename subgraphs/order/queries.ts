import type { EntityManager } from '../../lib/database.js';
import type { Connection, PageArgs } from '../../lib/connection.js';
import { badInput, notFound } from '../../lib/errors.js';
import type { OrderState, OrderView, Stay } from '../../contracts/order.js';
import { dateString, nightsBetween, todayIn } from '../../lib/dates.js';
import { HomestayOrder } from './entities.js';
import { newestFirst } from './paging.js';
import { HIDDEN_STATE_CODES, STATE_CODE, publicStateOf } from './state-machine.js';

type OrderFilter = { state?: OrderState | null };
const stateFilter = (f: OrderFilter) => (f.state ? STATE_CODE[f.state] : { $nin: HIDDEN_STATE_CODES });

/** Reads of orders, for the subgraph, the internal API and the jobs. */
export class OrderQueries {
  constructor(private readonly em: EntityManager) {}

  // A booking still in the saga (PENDING) or failed in it is no order yet: no read shows it.

  async findForUser(userId: string, sn: string): Promise<HomestayOrder | null> {
    const order = await this.em.findOne(HomestayOrder, { sn, delState: 0, tradeState: { $nin: HIDDEN_STATE_CODES } });
    return order && order.userId === userId ? order : null;
  }

  findBySns(sns: readonly string[]): Promise<HomestayOrder[]> {
    return this.em.find(HomestayOrder, { sn: { $in: [...sns] }, delState: 0, tradeState: { $nin: HIDDEN_STATE_CODES } });
  }

  /** A guest's orders, newest first. */
  listForUser(userId: string, args: PageArgs & OrderFilter): Promise<Connection<HomestayOrder>> {
    return newestFirst(this.em, HomestayOrder, { userId, delState: 0, tradeState: stateFilter(args) }, args);
  }

  /** The orders of a landlord's homestays (homestay_user_id, the landlord when the guest booked), newest first. */
  listForLandlord(landlordId: string, args: PageArgs & OrderFilter & { homestayId?: string | null }): Promise<Connection<HomestayOrder>> {
    const where: Record<string, unknown> = { homestayUserId: landlordId, delState: 0, tradeState: stateFilter(args) };
    if (args.homestayId != null) {
      if (!/^\d{1,20}$/.test(args.homestayId)) throw badInput('homestayId', 'homestayId is not a homestay id');
      where.homestayId = args.homestayId;
    }
    return newestFirst(this.em, HomestayOrder, where, args);
  }

  async view(sn: string): Promise<OrderView> {
    const order = await this.em.findOne(HomestayOrder, { sn, delState: 0, tradeState: { $nin: HIDDEN_STATE_CODES } }, { refresh: true });
    if (!order) throw notFound('order');
    return toView(order);
  }

  /**
   * Orders whose stay has ended (checkOut before today in APP_TIMEZONE) and that are owed a
   * settlement they do not have yet (OrderTransitions.settle decides again under the row lock):
   * WAIT_USE, USED, and REFUNDED for less than the total. Oldest first, for the settle-record job.
   */
  async dueForSettlement(limit: number): Promise<OrderView[]> {
    const rows = await this.em
      .createQueryBuilder(HomestayOrder, 'o')
      .select('*')
      .where({ liveEndDate: { $lt: todayIn() }, delState: 0 })
      // A REFUNDED order without refund_amount was refunded in full (null < total is not true).
      .andWhere('(o.trade_state in (?, ?) or (o.trade_state = ? and o.refund_amount < o.order_total_price))', [
        STATE_CODE.WAIT_USE,
        STATE_CODE.USED,
        STATE_CODE.REFUNDED,
      ])
      .andWhere('not exists (select 1 from settle_record s where s.order_sn = o.sn)')
      .orderBy({ id: 'asc' })
      .limit(Math.min(Math.max(1, limit || 100), 1000))
      .getResultList();
    return rows.map(toView);
  }

  /** The user's USED orders of one homestay, newest first: the stays the guest may review. */
  async staysOf(userId: string, homestayId: string, limit = 100): Promise<Stay[]> {
    const rows = await this.em.find(
      HomestayOrder,
      { userId, homestayId, tradeState: STATE_CODE.USED, delState: 0 },
      { orderBy: { id: 'desc' }, limit },
    );
    return rows.map((o) => {
      const checkIn = dateString(o.liveStartDate);
      const checkOut = dateString(o.liveEndDate);
      return { sn: o.sn, checkIn, checkOut, nights: nightsBetween(checkIn, checkOut) };
    });
  }
}

export function toView(o: HomestayOrder): OrderView {
  return {
    sn: o.sn,
    userId: String(o.userId),
    homestayId: String(o.homestayId),
    businessId: String(o.homestayBusinessId),
    title: o.title,
    state: publicStateOf(o.tradeState),
    total: o.orderTotalPrice,
    checkIn: dateString(o.liveStartDate),
    checkOut: dateString(o.liveEndDate),
    tradeCode: o.tradeCode,
    paidAt: o.paidAt ? o.paidAt.toISOString() : null,
    payDeadline: o.payDeadline.toISOString(),
  };
}
