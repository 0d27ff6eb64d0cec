import { addDays, todayIn } from '../../lib/dates.js';
import { errorCode, gql, internalPost } from './gql.js';

/**
 * Orders moved along their life through the real product, for tests that need a paid or a
 * finished stay (reviews, say): booked and paid through the gateway (payOrder, then the sandbox
 * provider's signed callback via sandboxPay), and made USED through the order service's own
 * internal transition, the guarded WAIT_USE → USED that check-in and settlement run.
 */

/** The nights [checkIn, checkOut) starting `fromToday` days after today (APP_TIMEZONE), `nights` long. */
export function stayDates(fromToday: number, nights: number): { checkIn: string; checkOut: string } {
  const checkIn = addDays(todayIn(), fromToday);
  return { checkIn, checkOut: addDays(checkIn, nights) };
}

export interface Booking {
  homestayId: string;
  checkIn: string;
  checkOut: string;
  guests?: number;
  needFood?: boolean;
}

export const BOOK = `mutation($input: CreateHomestayOrderInput!) {
  createHomestayOrder(input: $input) { sn state checkIn checkOut nights guests price foodPrice homestayTotal foodTotal total }
}`;

/** Books through the gateway; the GraphQL result as it came (errors included). */
export function book(token: string, b: Booking) {
  return gql(BOOK, { input: { guests: 1, ...b } }, { token });
}

async function orderState(token: string, sn: string): Promise<string | undefined> {
  const r = await gql(`query($sn: ID!) { order(sn: $sn) { state } }`, { sn }, { token });
  return r.data?.order?.state;
}

/** Pays a WAIT_PAY order of the token's user and waits until it is WAIT_USE. */
export async function pay(token: string, sn: string): Promise<void> {
  const opened = await gql(`mutation($sn: ID!) { payOrder(orderSn: $sn) { sn } }`, { sn }, { token });
  if (!opened.data?.payOrder) throw new Error(`payOrder failed: ${JSON.stringify(opened.errors)}`);
  const paid = await gql(`mutation($sn: ID!) { sandboxPay(paymentSn: $sn) { status } }`, { sn: opened.data.payOrder.sn }, { token });
  if (paid.data?.sandboxPay?.status !== 'SUCCESS') throw new Error(`sandboxPay failed: ${JSON.stringify(paid.errors ?? paid.data)}`);
  const deadline = Date.now() + 30_000;
  while ((await orderState(token, sn)) !== 'WAIT_USE') {
    if (Date.now() > deadline) throw new Error(`order ${sn} was not paid within 30 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The order service's guarded transition of one order, called as a service would. */
export async function transitionOrder(sn: string, to: 'WAIT_USE' | 'USED' | 'REFUNDED' | 'CANCELLED') {
  const { status, body } = await internalPost('order', '/orders/transition', { sn, to });
  if (status !== 200) throw new Error(`transition of ${sn} to ${to} answered ${status}: ${JSON.stringify(body)}`);
  return body as { changed?: boolean; order?: { state: string } };
}

/** A booking of the token's user, paid. */
export async function paidStay(token: string, b: Booking): Promise<string> {
  const r = await book(token, b);
  if (!r.data?.createHomestayOrder) throw new Error(`booking failed (${errorCode(r)}): ${JSON.stringify(r.errors)}`);
  const sn: string = r.data.createHomestayOrder.sn;
  await pay(token, sn);
  return sn;
}

/** A finished stay of the token's user: booked, paid and USED. Returns the order sn. */
export async function usedStay(token: string, b: Booking): Promise<string> {
  const sn = await paidStay(token, b);
  await transitionOrder(sn, 'USED');
  return sn;
}
