import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type mysql from 'mysql2/promise';
import { errorCode, gql, signUp } from '../../support/gql.js';
import { homestayDb } from '../../support/homestay-fixtures.js';
import { newHomestay, newLandlord, type Landlord } from '../../support/landlords.js';
import { book, pay, stayDates, transitionOrder, usedStay } from '../../support/stays.js';

/**
 * Reviews after a stay, through the gateway: addComment is accepted from a guest with a USED order
 * of the homestay that has no review yet (the order service lists the stays), one review per stay,
 * also when the same stay is reviewed twice at once.
 */

const ADD = `mutation($homestayId: ID!, $star: Int!, $content: String!) {
  addComment(homestayId: $homestayId, star: $star, content: $content) { id star content user { id } homestay { id } order { sn } }
}`;
const COMMENTS = `query($id: ID!) { homestay(id: $id) { commentCount comments(first: 50) { edges { node { id content order { sn } } } } } }`;

let db: mysql.Connection;
let landlord: Landlord;
let homestayId: string;
let otherHomestayId: string;
/** Each stay on nights of its own, so no test runs out of rooms. */
let nextNight = 2;
const dates = () => stayDates(nextNight++, 1);
const review = (token: string | undefined, content = 'Lovely stay', id = homestayId) => gql(ADD, { homestayId: id, star: 5, content }, token ? { token } : {});
const commentsOf = async (sn: string) =>
  Number(((await db.query('select count(*) as n from homestay_comment where order_sn = ?', [sn]))[0] as { n: string }[])[0]!.n);

beforeAll(async () => {
  db = await homestayDb();
  landlord = await newLandlord('Reviewed Stays');
  homestayId = (await newHomestay(landlord, { roomCount: 50, price: 9000 })).id;
  otherHomestayId = (await newHomestay(landlord, { roomCount: 50, price: 9000, title: 'The other one' })).id;
});
afterAll(async () => {
  await db?.end();
});

describe('addComment after a stay', () => {
  it('accepts a review once the stay is USED, one per stay, the newest stay without one first', async () => {
    const guest = await signUp('Reviewer');
    expect(errorCode(await review(guest.token))).toBe('FORBIDDEN');
    const booked = await book(guest.token, { homestayId, ...dates() });
    const sn: string = booked.data.createHomestayOrder.sn;
    expect(errorCode(await review(guest.token))).toBe('FORBIDDEN'); // WAIT_PAY
    await pay(guest.token, sn);
    expect(errorCode(await review(guest.token))).toBe('FORBIDDEN'); // WAIT_USE
    await transitionOrder(sn, 'USED');

    const first = await review(guest.token, '  Quiet and clean  ');
    expect(first.errors).toBeUndefined();
    expect(first.data.addComment).toMatchObject({ star: 5, content: 'Quiet and clean', user: { id: guest.userId }, homestay: { id: homestayId }, order: { sn } });
    expect(errorCode(await review(guest.token, 'Again'))).toBe('FORBIDDEN');

    // A second stay allows a second review; it takes the newest stay.
    const older = await usedStay(guest.token, { homestayId, ...dates() });
    const newer = await usedStay(guest.token, { homestayId, ...dates() });
    expect((await review(guest.token, 'Second')).data.addComment.order).toEqual({ sn: newer });
    expect((await review(guest.token, 'Third')).data.addComment.order).toEqual({ sn: older });
    expect(errorCode(await review(guest.token, 'Fourth'))).toBe('FORBIDDEN');

    // A stay elsewhere is a review of that homestay, not of this one.
    const elsewhere = await usedStay(guest.token, { homestayId: otherHomestayId, ...dates() });
    expect(errorCode(await review(guest.token, 'Not here'))).toBe('FORBIDDEN');
    expect((await review(guest.token, 'Other place', otherHomestayId)).data.addComment.order).toEqual({ sn: elsewhere });

    const listed = await gql(COMMENTS, { id: homestayId });
    const mine = listed.data.homestay.comments.edges.map((e: any) => e.node).filter((c: any) => [sn, older, newer].includes(c.order?.sn));
    expect(mine.map((c: any) => [c.content, c.order.sn])).toEqual([
      ['Third', older],
      ['Second', newer],
      ['Quiet and clean', sn],
    ]);
  });

  it('refuses anonymous callers, the landlord, other guests and stays that were cancelled or refunded', async () => {
    expect(errorCode(await review(undefined))).toBe('UNAUTHENTICATED');
    expect(errorCode(await review(landlord.token))).toBe('FORBIDDEN');
    const stranger = await signUp('Stranger');
    expect(errorCode(await review(stranger.token))).toBe('FORBIDDEN');

    const guest = await signUp('Unlucky Guest');
    const cancelled = (await book(guest.token, { homestayId, ...dates() })).data.createHomestayOrder.sn;
    await gql(`mutation($sn: ID!) { cancelOrder(sn: $sn) { state } }`, { sn: cancelled }, { token: guest.token });
    const refunded = (await book(guest.token, { homestayId, ...dates() })).data.createHomestayOrder.sn;
    await pay(guest.token, refunded);
    await transitionOrder(refunded, 'REFUNDED');
    expect(errorCode(await review(guest.token))).toBe('FORBIDDEN');
    const [rows] = await db.query('select count(*) as n from homestay_comment where user_id in (?, ?, ?)', [landlord.userId, stranger.userId, guest.userId]);
    expect(Number((rows as { n: string }[])[0]!.n)).toBe(0);
  });

  it('checks the input and the homestay before the stay', async () => {
    const guest = await signUp('Careless Reviewer');
    const bad = await gql(ADD, { homestayId, star: 6, content: 'ok' }, { token: guest.token });
    expect(errorCode(bad)).toBe('BAD_USER_INPUT');
    expect(bad.errors![0]!.extensions!.argumentName).toBe('star');
    expect(errorCode(await review(guest.token, 'hi', '999999999'))).toBe('NOT_FOUND');
  });

  it('lets the author read the stay\'s order; others read its sn only; older comments have none', async () => {
    const guest = await signUp('Open Reviewer');
    const sn = await usedStay(guest.token, { homestayId: otherHomestayId, ...dates() });
    const comment = (await review(guest.token, 'See my order', otherHomestayId)).data.addComment;
    const full = `query($id: ID!) { homestay(id: $id) { comments(first: 50) { edges { node { id order { sn state } } } } } }`;
    const pick = (r: any) => r.data.homestay.comments.edges.map((e: any) => e.node).find((c: any) => c.id === comment.id);
    expect(pick(await gql(full, { id: otherHomestayId }, { token: guest.token })).order).toEqual({ sn, state: 'USED' });
    const stranger = await signUp('Curious');
    const seen = await gql(full, { id: otherHomestayId }, { token: stranger.token });
    expect(pick(seen).order?.state).toBeUndefined();
    expect(pick(await gql(COMMENTS, { id: otherHomestayId })).order).toEqual({ sn });

    await db.query('insert into homestay_comment (homestay_id, user_id, content, star) values (?, ?, ?, 4)', [otherHomestayId, guest.userId, 'Written before reviews needed a stay']);
    const old = (await gql(COMMENTS, { id: otherHomestayId })).data.homestay.comments.edges.find((e: any) => e.node.content === 'Written before reviews needed a stay');
    expect(old.node.order).toBeNull();
  });

  it('stores one review when the same stay is reviewed several times at once', async () => {
    for (let round = 0; round < 3; round++) {
      const guest = await signUp('Double Clicker');
      const sn = await usedStay(guest.token, { homestayId, ...dates() });
      const results = await Promise.all([1, 2, 3].map((i) => review(guest.token, `Click ${i}`)));
      expect(results.filter((r) => r.data?.addComment)).toHaveLength(1);
      expect(results.filter((r) => errorCode(r) === 'FORBIDDEN')).toHaveLength(2);
      expect(await commentsOf(sn)).toBe(1);
    }
  });

  it('gives each of two stays one review when three arrive at once', async () => {
    const guest = await signUp('Twice Here');
    const sns = [await usedStay(guest.token, { homestayId, ...dates() }), await usedStay(guest.token, { homestayId, ...dates() })];
    const results = await Promise.all([1, 2, 3].map((i) => review(guest.token, `Burst ${i}`)));
    const stored = results.filter((r) => r.data?.addComment).map((r) => r.data.addComment.order.sn);
    expect(stored.sort()).toEqual([...sns].sort());
    expect(results.filter((r) => errorCode(r) === 'FORBIDDEN')).toHaveLength(1);
  });
});
