import type { EntityManager } from '../../lib/database.js';
import { decodeCursor, pageSize, toConnection, type Connection, type PageArgs } from '../../lib/connection.js';
import { badInput, notFound } from '../../lib/errors.js';
import type { OrderState, OrderView, Stay } from '../../contracts/order.js';
import { dateString, nightsBetween, todayIn } from '../../lib/dates.js';
import { HomestayOrder } from './entities.js';
import { HIDDEN_STATE_CODES, STATE_CODE, publicStateOf } from './state-machine.js';

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

  /** Newest first (id descending), keyset paginated on id. */
  async listForUser(userId: string, args: PageArgs & { state?: OrderState | null }): Promise<Connection<HomestayOrder>> {
    const size = pageSize(args.first);
    const after = decodeCursor(args.after, 1);
    const where: Record<string, unknown> = { userId, delState: 0 };
    where.tradeState = args.state ? STATE_CODE[args.state] : { $nin: HIDDEN_STATE_CODES };
    if (after) {
      if (!/^\d+$/.test(String(after[0]))) throw badInput('after', 'after is not a valid cursor');
      where.id = { $lt: String(after[0]) };
    }
    const rows = await this.em.find(HomestayOrder, where, { orderBy: { id: 'desc' }, limit: size + 1 });
    return toConnection(rows, size, (o) => [String(o.id)], Boolean(after));
  }

  async view(sn: string): Promise<OrderView> {
    const order = await this.em.findOne(HomestayOrder, { sn, delState: 0, tradeState: { $nin: HIDDEN_STATE_CODES } }, { refresh: true });
    if (!order) throw notFound('order');
    return toView(order);
  }

  /** WAIT_USE orders whose checkOut date has passed in APP_TIMEZONE (for the settle-record job). */
  async dueForSettlement(limit: number): Promise<OrderView[]> {
    const rows = await this.em.find(
      HomestayOrder,
      { tradeState: STATE_CODE.WAIT_USE, liveEndDate: { $lt: todayIn() }, delState: 0 },
      { orderBy: { id: 'asc' }, limit: Math.min(Math.max(1, limit || 100), 1000) },
    );
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
