import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type mysql from 'mysql2/promise';
import { addDays, todayIn } from '../../../lib/dates.js';
import { errorCode, gql, signUp, type GqlResult } from '../../support/gql.js';
import { homestayDb, uniqueCity } from '../../support/homestay-fixtures.js';
import {
  CREATE_BUSINESS,
  CREATE_HOMESTAY,
  SET_NIGHTS_CLOSED,
  UPDATE_HOMESTAY,
  homestayInput,
  newHomestay,
  newLandlord,
  type Landlord,
} from '../../support/landlords.js';
import { book, stayDates } from '../../support/stays.js';

/**
 * Landlord management through the gateway: a business per user, homestays of one's own business,
 * changes that only the owner may make (and that never alter orders already made), nights closed
 * to new bookings, and a lower room count that cannot slip under the rooms already booked, also
 * while bookings race it.
 */

const MY_BUSINESSES = `{ myBusinesses { id title info open landlord { id } } }`;
const HOMESTAY = `query($id: ID!) { homestay(id: $id) { id title subTitle city info foodInfo peopleNum roomCount price foodPrice onSale cancellationPolicy rowType } }`;
const AVAILABILITY = `query($id: ID!, $checkIn: Date!, $checkOut: Date!) {
  homestay(id: $id) { roomCount availability(checkIn: $checkIn, checkOut: $checkOut) { night reserved free available closed } }
}`;
const LIST = `query($city: String, $checkIn: Date, $checkOut: Date) {
  homestays(first: 50, city: $city, checkIn: $checkIn, checkOut: $checkOut, scope: ALL) { edges { node { id } } }
}`;
const ORDER = `query($sn: ID!) { order(sn: $sn) { sn state price foodPrice total nights guests needFood } }`;
const CANCEL = `mutation($sn: ID!) { cancelOrder(sn: $sn) { sn state } }`;

let db: mysql.Connection;
let landlord: Landlord;
let other: Landlord;
let guest: Awaited<ReturnType<typeof signUp>>;

const ids = (r: GqlResult) => r.data.homestays.edges.map((e: { node: { id: string } }) => e.node.id);
const homestayCount = async (businessId: string) =>
  Number(((await db.query('select count(*) as n from homestay where homestay_business_id = ?', [businessId]))[0] as { n: string }[])[0]!.n);
const read = async (id: string) => (await gql(HOMESTAY, { id })).data.homestay;
const availability = async (id: string, checkIn: string, checkOut: string) => (await gql(AVAILABILITY, { id, checkIn, checkOut })).data.homestay;

function expectBadInput(r: GqlResult, argument: string) {
  expect(errorCode(r), JSON.stringify(r.errors)).toBe('BAD_USER_INPUT');
  expect(r.errors![0]!.extensions!.argumentName).toBe(argument);
}

beforeAll(async () => {
  db = await homestayDb();
  [landlord, other, guest] = await Promise.all([newLandlord('Lakeside Stays'), newLandlord('Other Stays'), signUp('Plain Guest')]);
});
afterAll(async () => {
  await db?.end();
});

describe('createBusiness and myBusinesses', () => {
  it('makes the caller a landlord with one business, listed by myBusinesses', async () => {
    const user = await signUp('New Landlord');
    expect((await gql(MY_BUSINESSES, {}, { token: user.token })).data.myBusinesses).toEqual([]);
    const r = await gql(CREATE_BUSINESS, { input: { title: '  西湖边的小院子  ', info: 'Tea garden views' } }, { token: user.token });
    expect(r.errors).toBeUndefined();
    expect(r.data.createBusiness).toMatchObject({ title: '西湖边的小院子', info: 'Tea garden views', open: true, landlord: { id: user.userId } });
    const mine = await gql(MY_BUSINESSES, {}, { token: user.token });
    expect(mine.data.myBusinesses).toEqual([r.data.createBusiness]);
    // Another user's list does not show it.
    expect((await gql(MY_BUSINESSES, {}, { token: guest.token })).data.myBusinesses).toEqual([]);
    // A second business is refused, and nothing is added.
    const again = await gql(CREATE_BUSINESS, { input: { title: 'Second' } }, { token: user.token });
    expect(errorCode(again)).toBe('CONFLICT');
    expect((await gql(MY_BUSINESSES, {}, { token: user.token })).data.myBusinesses).toHaveLength(1);
  });

  it('refuses anonymous callers', async () => {
    expect(errorCode(await gql(MY_BUSINESSES))).toBe('UNAUTHENTICATED');
    expect(errorCode(await gql(CREATE_BUSINESS, { input: { title: 'Nobody' } }))).toBe('UNAUTHENTICATED');
  });

  it.each([
    ['an empty title', { title: '' }, 'input.title'],
    ['a blank title', { title: '   ' }, 'input.title'],
    ['a title over 32 characters', { title: 'x'.repeat(33) }, 'input.title'],
    ['info over 1024 characters', { title: 'Fine', info: 'x'.repeat(1025) }, 'input.info'],
  ])('refuses %s with BAD_USER_INPUT, creating nothing', async (_name, input, argument) => {
    const user = await signUp('Bad Business');
    expectBadInput(await gql(CREATE_BUSINESS, { input }, { token: user.token }), argument);
    expect((await gql(MY_BUSINESSES, {}, { token: user.token })).data.myBusinesses).toEqual([]);
  });

  it('accepts 32 characters of title and 1024 of info', async () => {
    const user = await signUp('Long Business');
    const r = await gql(CREATE_BUSINESS, { input: { title: '宿'.repeat(32), info: 'i'.repeat(1024) } }, { token: user.token });
    expect(r.errors).toBeUndefined();
    expect(r.data.createBusiness.title).toBe('宿'.repeat(32));
  });

  it('gives one business to concurrent calls of one user', async () => {
    for (let round = 0; round < 3; round++) {
      const user = await signUp('Racing Landlord');
      const results = await Promise.all([1, 2, 3].map((i) => gql(CREATE_BUSINESS, { input: { title: `Race ${i}` } }, { token: user.token })));
      expect(results.filter((r) => r.data?.createBusiness)).toHaveLength(1);
      expect(results.filter((r) => errorCode(r) === 'CONFLICT')).toHaveLength(2);
      const [rows] = await db.query('select count(*) as n from homestay_business where user_id = ?', [user.userId]);
      expect(Number((rows as { n: string }[])[0]!.n)).toBe(1);
    }
  });
});

describe('createHomestay', () => {
  it('adds an on-sale homestay to the caller\'s business, listed and bookable', async () => {
    const city = uniqueCity('Create');
    const r = await gql(
      CREATE_HOMESTAY,
      { input: homestayInput(landlord, { city, subTitle: ' Quiet ', info: 'Two rooms', foodInfo: 'Breakfast', rowType: 'PER_PERSON', cancellationPolicy: 'STRICT' }) },
      { token: landlord.token },
    );
    expect(r.errors).toBeUndefined();
    const h = r.data.createHomestay;
    expect(h).toMatchObject({
      title: 'Courtyard by the lake', subTitle: 'Quiet', city, info: 'Two rooms', foodInfo: 'Breakfast', peopleNum: 4, roomCount: 2,
      price: 30000, marketPrice: 30000, foodPrice: 2000, rowType: 'PER_PERSON', onSale: true, cancellationPolicy: 'STRICT',
      business: { id: landlord.businessId }, landlord: { id: landlord.userId },
    });
    expect(ids(await gql(LIST, { city }))).toEqual([h.id]);
    const booked = await book(guest.token, { homestayId: h.id, ...stayDates(3, 2), guests: 2 });
    expect(booked.errors).toBeUndefined();
    // Per person: 2 guests × 2 nights × 300.00.
    expect(booked.data.createHomestayOrder).toMatchObject({ price: 30000, total: 120000 });
    await gql(CANCEL, { sn: booked.data.createHomestayOrder.sn }, { token: guest.token });
  });

  it('keeps a homestay created off sale out of the lists and refuses bookings of it', async () => {
    const city = uniqueCity('OffSale');
    const h = await newHomestay(landlord, { city, onSale: false });
    expect(h.onSale).toBe(false);
    expect(ids(await gql(LIST, { city }))).toEqual([]);
    expect(errorCode(await book(guest.token, { homestayId: h.id, ...stayDates(3, 1) }))).toBe('CONFLICT');
  });

  it('accepts the largest values', async () => {
    const h = await newHomestay(landlord, { peopleNum: 50, roomCount: 500, price: 100_000_000, foodPrice: 100_000_000, title: 'T'.repeat(64), city: 'C'.repeat(64) });
    expect(h).toMatchObject({ peopleNum: 50, roomCount: 500, price: 100_000_000, foodPrice: 100_000_000 });
  });

  it.each([
    ['an empty title', { title: '' }, 'input.title'],
    ['a title over 64 characters', { title: 'x'.repeat(65) }, 'input.title'],
    ['an empty city', { city: '' }, 'input.city'],
    ['a blank city', { city: '  ' }, 'input.city'],
    ['a city over 64 characters', { city: 'x'.repeat(65) }, 'input.city'],
    ['a subTitle over 128 characters', { subTitle: 'x'.repeat(129) }, 'input.subTitle'],
    ['info over 4096 characters', { info: 'x'.repeat(4097) }, 'input.info'],
    ['foodInfo over 255 characters', { foodInfo: 'x'.repeat(256) }, 'input.foodInfo'],
    ['no guests', { peopleNum: 0 }, 'input.peopleNum'],
    ['51 guests', { peopleNum: 51 }, 'input.peopleNum'],
    ['no rooms', { roomCount: 0 }, 'input.roomCount'],
    ['501 rooms', { roomCount: 501 }, 'input.roomCount'],
    ['a negative price', { price: -1 }, 'input.price'],
    ['a price over 1,000,000.00', { price: 100_000_001 }, 'input.price'],
    ['a negative food price', { foodPrice: -1 }, 'input.foodPrice'],
    ['a food price over 1,000,000.00', { foodPrice: 100_000_001 }, 'input.foodPrice'],
  ])('refuses %s with BAD_USER_INPUT naming the field, creating nothing', async (_name, overrides, argument) => {
    const before = await homestayCount(landlord.businessId);
    expectBadInput(await gql(CREATE_HOMESTAY, { input: homestayInput(landlord, overrides) }, { token: landlord.token }), argument);
    expect(await homestayCount(landlord.businessId)).toBe(before);
  });

  it('is for the business owner only', async () => {
    const before = await homestayCount(landlord.businessId);
    expect(errorCode(await gql(CREATE_HOMESTAY, { input: homestayInput(landlord) }))).toBe('UNAUTHENTICATED');
    expect(errorCode(await gql(CREATE_HOMESTAY, { input: homestayInput(landlord) }, { token: other.token }))).toBe('FORBIDDEN');
    expect(errorCode(await gql(CREATE_HOMESTAY, { input: homestayInput(landlord) }, { token: guest.token }))).toBe('FORBIDDEN');
    expect(errorCode(await gql(CREATE_HOMESTAY, { input: homestayInput(landlord, { businessId: '999999999' }) }, { token: landlord.token }))).toBe('NOT_FOUND');
    expect(errorCode(await gql(CREATE_HOMESTAY, { input: homestayInput(landlord, { businessId: 'abc' }) }, { token: landlord.token }))).toBe('NOT_FOUND');
    expect(await homestayCount(landlord.businessId)).toBe(before);
  });

  it('refuses a banned business', async () => {
    const banned = await newLandlord('Soon Banned');
    await db.query('update homestay_business set row_state = 0 where id = ?', [banned.businessId]);
    expect(errorCode(await gql(CREATE_HOMESTAY, { input: homestayInput(banned) }, { token: banned.token }))).toBe('FORBIDDEN');
    expect(await homestayCount(banned.businessId)).toBe(0);
  });
});

describe('updateHomestay', () => {
  it('changes only the given fields', async () => {
    const h = await newHomestay(landlord, { subTitle: 'Old sub', info: 'Old info' });
    const r = await gql(UPDATE_HOMESTAY, { id: h.id, input: { title: ' New title ', info: null } }, { token: landlord.token });
    expect(r.errors).toBeUndefined();
    expect(r.data.updateHomestay).toEqual({ ...h, title: 'New title' });
    const city = uniqueCity('Moved');
    const all = { subTitle: 'S', info: 'I', foodInfo: 'F', city, peopleNum: 6, roomCount: 5, price: 41000, foodPrice: 1500, onSale: false, cancellationPolicy: 'FLEXIBLE' };
    const changed = await gql(UPDATE_HOMESTAY, { id: h.id, input: all }, { token: landlord.token });
    expect(changed.errors).toBeUndefined();
    expect(await read(h.id)).toEqual({ id: h.id, title: 'New title', rowType: 'PER_ROOM', ...all });
    // The crossed-out price follows a price above it.
    expect(changed.data.updateHomestay.marketPrice).toBe(41000);
    // Off sale: off the lists, no bookings; on sale again: both back.
    expect(ids(await gql(LIST, { city }))).toEqual([]);
    expect(errorCode(await book(guest.token, { homestayId: h.id, ...stayDates(3, 1) }))).toBe('CONFLICT');
    await gql(UPDATE_HOMESTAY, { id: h.id, input: { onSale: true } }, { token: landlord.token });
    expect(ids(await gql(LIST, { city }))).toEqual([h.id]);
  });

  it('is for the owner only, and changes nothing when refused', async () => {
    const h = await newHomestay(landlord);
    const input = { title: 'Taken over', price: 1 };
    expect(errorCode(await gql(UPDATE_HOMESTAY, { id: h.id, input }))).toBe('UNAUTHENTICATED');
    expect(errorCode(await gql(UPDATE_HOMESTAY, { id: h.id, input }, { token: other.token }))).toBe('FORBIDDEN');
    expect(errorCode(await gql(UPDATE_HOMESTAY, { id: h.id, input }, { token: guest.token }))).toBe('FORBIDDEN');
    expect(errorCode(await gql(UPDATE_HOMESTAY, { id: '999999999', input }, { token: landlord.token }))).toBe('NOT_FOUND');
    expect(errorCode(await gql(UPDATE_HOMESTAY, { id: 'x', input }, { token: landlord.token }))).toBe('NOT_FOUND');
    expect(await read(h.id)).toMatchObject({ title: h.title, price: h.price });
  });

  it.each([
    ['an empty title', { title: '' }, 'input.title'],
    ['a blank city', { city: ' ' }, 'input.city'],
    ['a subTitle over 128 characters', { subTitle: 'x'.repeat(129) }, 'input.subTitle'],
    ['info over 4096 characters', { info: 'x'.repeat(4097) }, 'input.info'],
    ['foodInfo over 255 characters', { foodInfo: 'x'.repeat(256) }, 'input.foodInfo'],
    ['51 guests', { peopleNum: 51 }, 'input.peopleNum'],
    ['no rooms', { roomCount: 0 }, 'input.roomCount'],
    ['a price over 1,000,000.00', { price: 100_000_001 }, 'input.price'],
    ['a negative food price', { foodPrice: -5 }, 'input.foodPrice'],
  ])('refuses %s with BAD_USER_INPUT naming the field, changing nothing', async (_name, bad, argument) => {
    const h = await newHomestay(landlord);
    expectBadInput(await gql(UPDATE_HOMESTAY, { id: h.id, input: { price: 12345, ...bad } }, { token: landlord.token }), argument);
    expect(await read(h.id)).toMatchObject({ title: h.title, city: h.city, price: h.price, roomCount: h.roomCount, peopleNum: h.peopleNum });
  });

  it('changes the price of new bookings only: an order keeps the prices it was booked at', async () => {
    const h = await newHomestay(landlord, { price: 20000, foodPrice: 1000, roomCount: 5 });
    const dates = stayDates(10, 2);
    const first = await book(guest.token, { homestayId: h.id, ...dates, guests: 2, needFood: true });
    expect(first.data.createHomestayOrder).toMatchObject({ price: 20000, foodPrice: 1000, total: 2 * 20000 + 2 * 2 * 1000 });
    expect((await gql(UPDATE_HOMESTAY, { id: h.id, input: { price: 35000, foodPrice: 2500 } }, { token: landlord.token })).errors).toBeUndefined();
    const kept = await gql(ORDER, { sn: first.data.createHomestayOrder.sn }, { token: guest.token });
    expect(kept.data.order).toMatchObject({ state: 'WAIT_PAY', price: 20000, foodPrice: 1000, total: 44000 });
    const second = await book(guest.token, { homestayId: h.id, ...dates, guests: 2, needFood: true });
    expect(second.data.createHomestayOrder).toMatchObject({ price: 35000, foodPrice: 2500, total: 2 * 35000 + 2 * 2 * 2500 });
    for (const r of [first, second]) await gql(CANCEL, { sn: r.data.createHomestayOrder.sn }, { token: guest.token });
  });

  it('refuses a roomCount below the rooms booked on a night from today on, naming the night, and changes nothing', async () => {
    const h = await newHomestay(landlord, { roomCount: 3, price: 10000 });
    const guests = await Promise.all([signUp('Booker A'), signUp('Booker B')]);
    const busy = stayDates(6, 1);
    const sns: [string, string][] = [];
    for (const g of guests) {
      const r = await book(g.token, { homestayId: h.id, ...busy });
      expect(r.errors).toBeUndefined();
      sns.push([g.token, r.data.createHomestayOrder.sn]);
    }
    const lowered = await gql(UPDATE_HOMESTAY, { id: h.id, input: { roomCount: 1, title: 'Not renamed' } }, { token: landlord.token });
    expect(errorCode(lowered)).toBe('CONFLICT');
    expect(lowered.errors![0]!.message).toContain(busy.checkIn);
    expect(await read(h.id)).toMatchObject({ roomCount: 3, title: h.title });
    // Down to the rooms booked is fine.
    expect((await gql(UPDATE_HOMESTAY, { id: h.id, input: { roomCount: 2 } }, { token: landlord.token })).data.updateHomestay.roomCount).toBe(2);
    expect((await availability(h.id, busy.checkIn, busy.checkOut)).availability).toEqual([
      { night: busy.checkIn, reserved: 2, free: 0, available: false, closed: false },
    ]);
    for (const [token, sn] of sns) await gql(CANCEL, { sn }, { token });
    expect((await gql(UPDATE_HOMESTAY, { id: h.id, input: { roomCount: 1 } }, { token: landlord.token })).data.updateHomestay.roomCount).toBe(1);
  });

  it('counts nights from today on: today blocks a lower roomCount, yesterday does not', async () => {
    const h = await newHomestay(landlord, { roomCount: 4 });
    const today = todayIn();
    // No booking can be made in the past: the nights' counters are written as a past booking left them.
    await db.query('insert into homestay_inventory (homestay_id, night, reserved) values (?, ?, 4), (?, ?, 3)', [h.id, addDays(today, -1), h.id, today]);
    const lowered = await gql(UPDATE_HOMESTAY, { id: h.id, input: { roomCount: 2 } }, { token: landlord.token });
    expect(errorCode(lowered)).toBe('CONFLICT');
    expect(lowered.errors![0]!.message).toContain(today);
    expect((await gql(UPDATE_HOMESTAY, { id: h.id, input: { roomCount: 3 } }, { token: landlord.token })).data.updateHomestay.roomCount).toBe(3);
  });
});

describe('updateHomestay racing bookings', () => {
  it('a price change racing a booking: every order has the old or the new prices, never a mix, and a total that adds up', async () => {
    const h = await newHomestay(landlord, { price: 10000, foodPrice: 100, roomCount: 500 });
    const guests = await Promise.all([1, 2, 3].map(() => signUp('Price Racer')));
    let prices = { price: 10000, foodPrice: 100 };
    const seen = { old: 0, new: 0 };
    for (let round = 1; round <= 6; round++) {
      const next = { price: 10000 + round * 1111, foodPrice: 100 + round * 7 };
      const nights = 1 + (round % 3);
      const [updated, ...booked] = await Promise.all([
        gql(UPDATE_HOMESTAY, { id: h.id, input: next }, { token: landlord.token }),
        ...guests.map((g) => book(g.token, { homestayId: h.id, ...stayDates(20 + round, nights), guests: 2, needFood: true })),
      ]);
      expect(updated.errors).toBeUndefined();
      for (const r of booked) {
        expect(r.errors).toBeUndefined();
        const o = r.data.createHomestayOrder;
        const isOld = o.price === prices.price && o.foodPrice === prices.foodPrice;
        const isNew = o.price === next.price && o.foodPrice === next.foodPrice;
        expect(isOld || isNew, `order prices ${o.price}/${o.foodPrice} are neither ${JSON.stringify(prices)} nor ${JSON.stringify(next)}`).toBe(true);
        seen[isNew ? 'new' : 'old'] += 1;
        expect(o.homestayTotal).toBe(o.price * nights);
        expect(o.foodTotal).toBe(o.foodPrice * 2 * nights);
        expect(o.total).toBe(o.homestayTotal + o.foodTotal);
        const stored = await gql(ORDER, { sn: o.sn }, { token: guests[booked.indexOf(r)]!.token });
        expect(stored.data.order).toMatchObject({ price: o.price, foodPrice: o.foodPrice, total: o.total });
      }
      await Promise.all(booked.map((r, i) => gql(CANCEL, { sn: r.data.createHomestayOrder.sn }, { token: guests[i]!.token })));
      prices = next;
    }
    console.log(`[price race] orders at the old price ${seen.old}, at the new ${seen.new}`);
  });

  it('a lower roomCount racing bookings of one night: never more rooms reserved than roomCount', async () => {
    const h = await newHomestay(landlord, { roomCount: 6, price: 5000 });
    const guests = await Promise.all([1, 2, 3, 4, 5].map(() => signUp('Room Racer')));
    const outcomes = { lowered: 0, refused: 0 };
    for (let round = 1; round <= 16; round++) {
      const night = stayDates(40 + round, 1);
      expect((await gql(UPDATE_HOMESTAY, { id: h.id, input: { roomCount: 6 } }, { token: landlord.token })).errors).toBeUndefined();
      // The lowering starts a little later each round, so it meets the bookings at every step of
      // theirs: before, while their reserves run, after.
      const lower = new Promise((r) => setTimeout(r, (round % 8) * 20)).then(() =>
        gql(UPDATE_HOMESTAY, { id: h.id, input: { roomCount: 2 } }, { token: landlord.token }),
      );
      const [updated, ...booked] = await Promise.all([lower, ...guests.map((g) => book(g.token, { homestayId: h.id, ...night }))]);
      const ok = booked.filter((r) => r.data?.createHomestayOrder);
      expect(booked.every((r) => r.data?.createHomestayOrder || errorCode(r) === 'SOLD_OUT'), JSON.stringify(booked.map((r) => r.errors))).toBe(true);
      const state = await availability(h.id, night.checkIn, night.checkOut);
      const reserved = state.availability[0].reserved;
      expect(reserved).toBe(ok.length);
      expect(reserved).toBeLessThanOrEqual(state.roomCount);
      if (updated.data?.updateHomestay) {
        outcomes.lowered += 1;
        expect(state.roomCount).toBe(2);
        expect(reserved).toBeLessThanOrEqual(2);
      } else {
        outcomes.refused += 1;
        expect(errorCode(updated)).toBe('CONFLICT');
        expect(updated.errors![0]!.message).toContain(night.checkIn);
        expect(state.roomCount).toBe(6);
        expect(reserved).toBeGreaterThan(2);
      }
      await Promise.all(
        booked.map((r, i) => (r.data?.createHomestayOrder ? gql(CANCEL, { sn: r.data.createHomestayOrder.sn }, { token: guests[i]!.token }) : null)),
      );
    }
    console.log(`[room race] lowered ${outcomes.lowered}, refused ${outcomes.refused}`);
  });
});

describe('setNightsClosed', () => {
  it('closes nights to new bookings, keeps the bookings they have, hides them from the search, and reopens them', async () => {
    const city = uniqueCity('Closed');
    const h = await newHomestay(landlord, { city, roomCount: 2 });
    const from = addDays(todayIn(), 12);
    const to = addDays(from, 2);
    const early = await book(guest.token, { homestayId: h.id, checkIn: from, checkOut: addDays(from, 1) });
    expect(early.errors).toBeUndefined();

    const closed = await gql(SET_NIGHTS_CLOSED, { homestayId: h.id, from, to, closed: true }, { token: landlord.token });
    expect(closed.errors).toBeUndefined();
    const expected = [
      { night: from, reserved: 1, free: 0, available: false, closed: true },
      { night: addDays(from, 1), reserved: 0, free: 0, available: false, closed: true },
    ];
    expect(closed.data.setNightsClosed).toEqual(expected);
    expect((await availability(h.id, from, addDays(to, 1))).availability).toEqual([
      ...expected,
      { night: to, reserved: 0, free: 2, available: true, closed: false },
    ]);
    // Sold out to new bookings, for a stay that touches any closed night.
    for (const [checkIn, checkOut] of [[from, to], [addDays(from, 1), addDays(to, 1)], [addDays(from, -1), addDays(from, 1)]]) {
      expect(errorCode(await book(guest.token, { homestayId: h.id, checkIn: checkIn!, checkOut: checkOut! }))).toBe('SOLD_OUT');
    }
    // The booking made before keeps its night.
    expect((await gql(ORDER, { sn: early.data.createHomestayOrder.sn }, { token: guest.token })).data.order.state).toBe('WAIT_PAY');
    // The search with dates leaves it out while any night is closed.
    expect(ids(await gql(LIST, { city, checkIn: from, checkOut: addDays(from, 1) }))).toEqual([]);
    expect(ids(await gql(LIST, { city, checkIn: addDays(from, 1), checkOut: addDays(to, 1) }))).toEqual([]);
    expect(ids(await gql(LIST, { city, checkIn: to, checkOut: addDays(to, 1) }))).toEqual([h.id]);
    expect(ids(await gql(LIST, { city }))).toEqual([h.id]);
    // Closing again changes nothing.
    expect((await gql(SET_NIGHTS_CLOSED, { homestayId: h.id, from, to, closed: true }, { token: landlord.token })).data.setNightsClosed).toEqual(expected);

    const reopened = await gql(SET_NIGHTS_CLOSED, { homestayId: h.id, from, to, closed: false }, { token: landlord.token });
    expect(reopened.data.setNightsClosed).toEqual([
      { night: from, reserved: 1, free: 1, available: true, closed: false },
      { night: addDays(from, 1), reserved: 0, free: 2, available: true, closed: false },
    ]);
    expect(ids(await gql(LIST, { city, checkIn: from, checkOut: to }))).toEqual([h.id]);
    const later = await book(guest.token, { homestayId: h.id, checkIn: from, checkOut: to });
    expect(later.errors).toBeUndefined();
    for (const r of [early, later]) await gql(CANCEL, { sn: r.data.createHomestayOrder.sn }, { token: guest.token });
  });

  it('closes up to 366 nights from today, and refuses more, the past and empty ranges', async () => {
    const h = await newHomestay(landlord);
    const today = todayIn();
    const year = await gql(SET_NIGHTS_CLOSED, { homestayId: h.id, from: today, to: addDays(today, 366), closed: true }, { token: landlord.token });
    expect(year.errors).toBeUndefined();
    expect(year.data.setNightsClosed).toHaveLength(366);
    expect(year.data.setNightsClosed.every((n: { closed: boolean; available: boolean }) => n.closed && !n.available)).toBe(true);
    expect(errorCode(await book(guest.token, { homestayId: h.id, ...stayDates(200, 1) }))).toBe('SOLD_OUT');
    const cases: [string, string, string][] = [
      [addDays(today, -1), addDays(today, 2), 'from'],
      [today, addDays(today, 367), 'to'],
      [addDays(today, 5), addDays(today, 5), 'to'],
      [addDays(today, 5), addDays(today, 4), 'to'],
    ];
    for (const [from, to, argument] of cases) {
      expectBadInput(await gql(SET_NIGHTS_CLOSED, { homestayId: h.id, from, to, closed: false }, { token: landlord.token }), argument);
    }
    // Nothing was reopened by the refused calls.
    expect((await availability(h.id, today, addDays(today, 1))).availability[0].closed).toBe(true);
    expect(errorCode(await gql(SET_NIGHTS_CLOSED, { homestayId: h.id, from: '2030-02-30', to: '2030-03-02', closed: true }, { token: landlord.token }))).toBe('BAD_USER_INPUT');
  });

  it('is for the owner only', async () => {
    const h = await newHomestay(landlord);
    const vars = { homestayId: h.id, from: addDays(todayIn(), 3), to: addDays(todayIn(), 5), closed: true };
    expect(errorCode(await gql(SET_NIGHTS_CLOSED, vars))).toBe('UNAUTHENTICATED');
    expect(errorCode(await gql(SET_NIGHTS_CLOSED, vars, { token: other.token }))).toBe('FORBIDDEN');
    expect(errorCode(await gql(SET_NIGHTS_CLOSED, vars, { token: guest.token }))).toBe('FORBIDDEN');
    expect(errorCode(await gql(SET_NIGHTS_CLOSED, { ...vars, homestayId: '999999999' }, { token: landlord.token }))).toBe('NOT_FOUND');
    const state = await availability(h.id, vars.from, vars.to);
    expect(state.availability.every((n: { closed: boolean }) => !n.closed)).toBe(true);
  });
});
