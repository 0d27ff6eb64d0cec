import type { Connection, PageArgs } from '../../lib/connection.js';
import type { EntityManager } from '../../lib/database.js';
import { badInput } from '../../lib/errors.js';
import { SettleRecord } from './entities.js';
import { newestFirst } from './paging.js';

/**
 * A homestay or business as the gateway sends it here: its id and, for the fields that
 * `@requires` it, its landlord (from the homestay subgraph).
 */
export interface LandlordOwned {
  id: string;
  landlord?: { id: string };
}

export interface BusinessIncome {
  from: string;
  to: string;
  amount: number;
  stays: number;
}

/** What landlords earned, read from settle_record (written by OrderTransitions.settle). */
export class SettlementQueries {
  constructor(private readonly em: EntityManager) {}

  /** A homestay's settlements, newest first. */
  forHomestay(homestayId: string, args: PageArgs): Promise<Connection<SettleRecord>> {
    return newestFirst(this.em, SettleRecord, { homestayId, delState: 0 }, args);
  }

  /**
   * A business's earnings from the stays that ended (period_end, the checkOut day) from `from` to
   * `to`, both included: counted by the stay rather than by when the job wrote the record, so a
   * past range reads the same whenever the job ran.
   */
  async income(businessId: string, from: string, to: string): Promise<BusinessIncome> {
    if (to < from) throw badInput('to', 'to must not be before from');
    const [row] = await this.em.getConnection().execute<{ amount: string | number | null; stays: string | number }[]>(
      `select sum(amount) as amount, count(*) as stays from settle_record
       where business_id = ? and period_end between ? and ? and del_state = 0`,
      [businessId, from, to],
    );
    return { from, to, amount: Number(row?.amount ?? 0), stays: Number(row?.stays ?? 0) };
  }
}
