import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type mysql from 'mysql2/promise';
import { errorCode, gql, signUp, type GqlResult } from '../../support/gql.js';
import { callInternal, createBusiness, createHomestay, homestayDb, uniqueCity, uniqueSn } from '../../support/homestay-fixtures.js';
import { stayDates, usedStay } from '../../support/stays.js';

const LIST = `query($first: Int, $after: String, $city: String, $guests: Int, $checkIn: Date, $checkOut: Date, $scope: HomestayScope) {
  homestays(first: $first, after: $after, city: $city, guests: $guests, checkIn: $checkIn, checkOut: $checkOut, scope: $scope) {
    edges { cursor node { id title peopleNum roomCount } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

let db: mysql.Connection;
let landlord: Awaited<ReturnType<typeof signUp>>;
let businessId: string;

async function walk(vars: Record<string, unknown>, first: number): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  for (let page = 0; page < 100; page++) {
    const r: GqlResult = await gql(LIST, { ...vars, first, after });
    expect(r.errors).toBeUndefined();
    const conn: any = r.data.homestays;
    ids.push(...conn.edges.map((e: { node: { id: string } }) => e.node.id));
    expect(conn.pageInfo.hasPreviousPage).toBe(after !== null);
    if (!conn.pageInfo.hasNextPage) return ids;
    expect(conn.edges.length).toBe(first);
    after = conn.pageInfo.endCursor;
  }
  throw new Error('pagination did not end');
}

beforeAll(async () => {
  db = await homestayDb();
  landlord = await signUp('Landlord Public');
  businessId = await createBusiness(db, landlord.userId, { title: 'Public Test Business', goodBusiness: true });
});
afterAll(async () => {
  await db?.end();
});

describe('homestays connection through the gateway', () => {
  it('walks every homestay of the preferred list exactly once, newest first', async () => {
    const city = uniqueCity('Walk');
    const created: string[] = [];
    for (let i = 0; i < 23; i++) created.push(await createHomestay(db, { businessId, landlordId: landlord.userId, city, title: `Walk ${i}` }));
    const notPreferred = await createHomestay(db, { businessId, landlordId: landlord.userId, city, preferred: false });
    const offSale = await createHomestay(db, { businessId, landlordId: landlord.userId, city, onSale: false });

    for (const first of [1, 5, 7, 23, 100]) {
      const ids = await walk({ city }, first);
      expect(ids).toEqual([...created].sort((a, b) => Number(b) - Number(a)));
    }
    const all = await walk({ city, scope: 'ALL' }, 4);
    expect(new Set(all).size).toBe(all.length);
    expect([...all].sort()).toEqual([...created, notPreferred].sort());
    expect(all).not.toContain(offSale);
  });

  it('filters by city, guests and free rooms for the dates', async () => {
    const city = uniqueCity('Filter');
    const small = await createHomestay(db, { businessId, landlordId: landlord.userId, city, peopleNum: 2, roomCount: 1 });
    const big = await createHomestay(db, { businessId, landlordId: landlord.userId, city, peopleNum: 6, roomCount: 2 });
    const other = await createHomestay(db, { businessId, landlordId: landlord.userId, city: uniqueCity('Other'), peopleNum: 6 });

    const ids = async (vars: Record<string, unknown>) =>
      (await gql(LIST, { first: 50, city, ...vars })).data.homestays.edges.map((e: { node: { id: string } }) => e.node.id).sort();
    expect(await ids({})).toEqual([small, big].sort());
    expect(await ids({ guests: 4 })).toEqual([big]);
    expect(await ids({ guests: 7 })).toEqual([]);
    expect(await ids({ city: undefined, guests: 6 })).toEqual(expect.arrayContaining([big, other]));

    // The only room of `small` is taken on 2030-03-02; `big` keeps one of its two.
    expect((await callInternal('/reservations/reserve', { sn: uniqueSn(), homestayId: small, checkIn: '2030-03-02', checkOut: '2030-03-03' })).status).toBe(200);
    expect((await callInternal('/reservations/reserve', { sn: uniqueSn(), homestayId: big, checkIn: '2030-03-01', checkOut: '2030-03-04' })).status).toBe(200);
    expect(await ids({ checkIn: '2030-03-01', checkOut: '2030-03-05' })).toEqual([big]);
    expect(await ids({ checkIn: '2030-03-01', checkOut: '2030-03-02' })).toEqual([small, big].sort());
    expect(await ids({ checkIn: '2030-03-03', checkOut: '2030-03-05' })).toEqual([small, big].sort());
    expect((await callInternal('/reservations/reserve', { sn: uniqueSn(), homestayId: big, checkIn: '2030-03-03', checkOut: '2030-03-04' })).status).toBe(200);
    expect(await ids({ checkIn: '2030-03-03', checkOut: '2030-03-05' })).toEqual([small]);
    expect(await ids({ checkIn: '2030-03-01', checkOut: '2030-03-05', guests: 3 })).toEqual([]);
  });

  it.each([
    ['first over 100', { first: 101 }, 'first'],
    ['first below 1', { first: 0 }, 'first'],
    ['a malformed cursor', { after: 'not-a-cursor' }, 'after'],
    ['a cursor of another shape', { after: Buffer.from('["a","b"]').toString('base64url') }, 'after'],
    ['checkOut not after checkIn', { checkIn: '2030-01-05', checkOut: '2030-01-05' }, 'checkOut'],
    ['a range over 30 nights', { checkIn: '2030-01-01', checkOut: '2030-02-01' }, 'checkOut'],
    ['checkIn without checkOut', { checkIn: '2030-01-01' }, 'checkOut'],
    ['guests below 1', { guests: 0 }, 'guests'],
  ])('refuses %s with BAD_USER_INPUT naming the argument', async (_name, vars, argument) => {
    const r = await gql(LIST, vars);
    expect(errorCode(r)).toBe('BAD_USER_INPUT');
    expect(r.errors![0].extensions!.argumentName).toBe(argument);
  });

  it('gives each node of a page the business, rating, landlord and fields its own homestay query gives', async () => {
    // The page brings businesses and ratings in its own query: they must be each row's own.
    const city = uniqueCity('Page');
    const other = await signUp('Landlord Page Other');
    const otherBusiness = await createBusiness(db, other.userId, { title: 'Page Other Business' });
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const owner = i % 2 ? { businessId: otherBusiness, landlordId: other.userId } : { businessId, landlordId: landlord.userId };
      ids.push(await createHomestay(db, { ...owner, city, title: `Page ${i}`, price: 10000 + i, perPerson: i === 3 }));
    }
    const guest = await signUp('Guest Page');
    // Stars of live comments count; a deleted comment does not.
    for (const [at, star, deleted] of [[0, 5, 0], [0, 2, 0], [3, 4, 0], [3, 1, 1]] as const) {
      await db.query('insert into homestay_comment (homestay_id, user_id, content, star, del_state) values (?, ?, ?, ?, ?)', [ids[at], guest.userId, 'c', star, deleted]);
    }
    const FIELDS = `id title price marketPrice rowType cover banner onSale createdAt rating commentCount
      business { id title star tags landlord { id } } landlord { id nickname }`;
    const page = await gql(`query($city: String) { homestays(first: 4, city: $city) { edges { node { ${FIELDS} } } pageInfo { hasNextPage } } }`, { city });
    expect(page.errors).toBeUndefined();
    const nodes = page.data.homestays.edges.map((e: { node: { id: string } }) => e.node);
    expect(nodes.map((n: { id: string }) => n.id)).toEqual([...ids].reverse().slice(0, 4));
    expect(page.data.homestays.pageInfo.hasNextPage).toBe(true);
    for (const node of nodes) {
      const one = await gql(`query($id: ID!) { homestay(id: $id) { ${FIELDS} } }`, { id: node.id });
      expect(node).toEqual(one.data.homestay);
    }
    // Rows are read without the ORM: createdAt is still the stored UTC time, as an ISO DateTime.
    const [created] = await db.query('select create_time from homestay where id = ?', [ids[5]]);
    expect(nodes[0].createdAt).toBe(new Date(`${(created as { create_time: string }[])[0]!.create_time.replace(' ', 'T')}Z`).toISOString());
    const byId = new Map(nodes.map((n: { id: string }) => [n.id, n]));
    expect(byId.get(ids[3])).toMatchObject({ rating: 4, commentCount: 1, rowType: 'PER_PERSON', business: { id: otherBusiness, title: 'Page Other Business' } });
    expect(byId.get(ids[3])).toMatchObject({ landlord: { id: other.userId, nickname: 'Landlord Page Other' } });
    expect(byId.get(ids[2])).toMatchObject({ rating: null, commentCount: 0, price: 10002, business: { id: businessId }, landlord: { id: landlord.userId } });
    const rest = await gql(`query($city: String) { homestays(first: 4, city: $city, after: "${Buffer.from(JSON.stringify([ids[2]])).toString('base64url')}") { edges { node { id rating commentCount business { id } } } } }`, { city });
    expect(rest.data.homestays.edges.map((e: { node: unknown }) => e.node)).toEqual([
      { id: ids[1], rating: null, commentCount: 0, business: { id: otherBusiness } },
      { id: ids[0], rating: 3.5, commentCount: 2, business: { id: businessId } },
    ]);
  });

  it('accepts a range of exactly 30 nights', async () => {
    const r = await gql(LIST, { checkIn: '2030-01-01', checkOut: '2030-01-31', city: uniqueCity() });
    expect(r.errors).toBeUndefined();
  });
});

describe('homestay detail, businesses and landlords through the gateway', () => {
  it('reads a homestay with its business, its landlord (from the user subgraph) and availability', async () => {
    const id = await createHomestay(db, { businessId, landlordId: landlord.userId, city: uniqueCity(), roomCount: 2, price: 45600, foodPrice: 3000, perPerson: true });
    const sn = uniqueSn();
    expect((await callInternal('/reservations/reserve', { sn, homestayId: id, checkIn: '2030-05-02', checkOut: '2030-05-04' })).body.nights).toEqual(['2030-05-02', '2030-05-03']);
    const r = await gql(
      `query($id: ID!) { homestay(id: $id) {
        id title peopleNum roomCount price foodPrice onSale cover banner info marketPrice foodInfo rowType rating commentCount
        business { id title landlord { id nickname } }
        landlord { id nickname }
        availability(checkIn: "2030-05-01", checkOut: "2030-05-04") { night reserved free available }
      } }`,
      { id },
    );
    expect(r.errors).toBeUndefined();
    expect(r.data.homestay).toMatchObject({
      id,
      roomCount: 2,
      price: 45600,
      foodPrice: 3000,
      onSale: true,
      cover: 'https://img.example/1.jpg',
      banner: ['https://img.example/1.jpg', 'https://img.example/2.jpg'],
      marketPrice: 54720,
      rowType: 'PER_PERSON',
      rating: null,
      commentCount: 0,
      business: { id: businessId, title: 'Public Test Business', landlord: { id: landlord.userId, nickname: 'Landlord Public' } },
      landlord: { id: landlord.userId, nickname: 'Landlord Public' },
    });
    expect(r.data.homestay.availability).toEqual([
      { night: '2030-05-01', reserved: 0, free: 2, available: true },
      { night: '2030-05-02', reserved: 1, free: 1, available: true },
      { night: '2030-05-03', reserved: 1, free: 1, available: true },
    ]);
    await callInternal('/reservations/reserve', { sn: uniqueSn(), homestayId: id, checkIn: '2030-05-03', checkOut: '2030-05-04' });
    const after = await gql(`query($id: ID!) { homestay(id: $id) { availability(checkIn: "2030-05-03", checkOut: "2030-05-04") { night reserved free available } } }`, { id });
    expect(after.data.homestay.availability).toEqual([{ night: '2030-05-03', reserved: 2, free: 0, available: false }]);
    await callInternal('/reservations/release', { sn });
    const released = await gql(`query($id: ID!) { homestay(id: $id) { availability(checkIn: "2030-05-02", checkOut: "2030-05-04") { reserved } } }`, { id });
    expect(released.data.homestay.availability).toEqual([{ reserved: 0 }, { reserved: 1 }]);

    const bad = await gql(`query($id: ID!) { homestay(id: $id) { availability(checkIn: "2030-05-03", checkOut: "2030-05-01") { night } } }`, { id });
    expect(errorCode(bad)).toBe('BAD_USER_INPUT');
    expect(bad.errors![0].extensions!.argumentName).toBe('checkOut');
  });

  it('answers null for an unknown homestay or business', async () => {
    const r = await gql(`{ homestay(id: "999999999") { id } h2: homestay(id: "abc") { id } business(id: "999999999") { id } }`);
    expect(r.errors).toBeUndefined();
    expect(r.data).toEqual({ homestay: null, h2: null, business: null });
  });

  it('lists businesses with their homestays, the good bosses, and guesses the five newest', async () => {
    const city = uniqueCity();
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await createHomestay(db, { businessId, landlordId: landlord.userId, city, preferred: i !== 1 }));
    const r = await gql(
      `query($id: ID!) {
        business(id: $id) { id title star tags open landlord { id nickname } homestays(first: 2) { edges { node { id } } pageInfo { hasNextPage } } }
        businesses(first: 100) { edges { node { id title } } }
        goodBosses { id nickname }
        guessYouLike { id onSale }
      }`,
      { id: businessId },
    );
    expect(r.errors).toBeUndefined();
    expect(r.data.business).toMatchObject({ id: businessId, star: 4.5, tags: ['quiet', 'view'], open: true, landlord: { id: landlord.userId } });
    expect(r.data.business.homestays.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([ids[2], ids[1]]);
    expect(r.data.business.homestays.pageInfo.hasNextPage).toBe(true);
    expect(r.data.businesses.edges.map((e: { node: { id: string } }) => e.node.id)).toContain(businessId);
    expect(r.data.goodBosses).toContainEqual({ id: landlord.userId, nickname: 'Landlord Public' });
    expect(r.data.guessYouLike.length).toBeLessThanOrEqual(5);
    expect(r.data.guessYouLike.every((h: { onSale: boolean }) => h.onSale)).toBe(true);
    const guessed = r.data.guessYouLike.map((h: { id: string }) => Number(h.id));
    expect(guessed).toEqual([...guessed].sort((a, b) => b - a));
  });
});

describe('comments', () => {
  const ADD = `mutation($homestayId: ID!, $star: Int!, $content: String!) {
    addComment(homestayId: $homestayId, star: $star, content: $content) { id star content user { id nickname } homestay { id } }
  }`;

  it('adds comments for a signed-in user and lists them as a connection, newest first', async () => {
    const homestayId = await createHomestay(db, { businessId, landlordId: landlord.userId, city: uniqueCity() });
    const guest = await signUp('Guest Commenter');
    // A review needs a stay of its own (reviews.test.ts): three finished stays, three reviews.
    for (let i = 0; i < 3; i++) await usedStay(guest.token, { homestayId, ...stayDates(1 + i, 1) });
    const first = await gql(ADD, { homestayId, star: 5, content: '  Lovely stay  ' }, { token: guest.token });
    expect(first.errors).toBeUndefined();
    expect(first.data.addComment).toMatchObject({ star: 5, content: 'Lovely stay', user: { id: guest.userId, nickname: 'Guest Commenter' }, homestay: { id: homestayId } });
    for (const [star, content] of [[2, 'Noisy'], [4, 'x'.repeat(1000)]] as const) {
      expect((await gql(ADD, { homestayId, star, content }, { token: guest.token })).errors).toBeUndefined();
    }
    const page = (after: string | null) =>
      gql(`query($id: ID!, $after: String) { homestay(id: $id) { rating commentCount comments(first: 2, after: $after) {
        edges { node { star content user { id } } } pageInfo { hasNextPage endCursor } } } }`, { id: homestayId, after });
    const p1 = await page(null);
    expect(p1.data.homestay.rating).toBeCloseTo(11 / 3);
    expect(p1.data.homestay.commentCount).toBe(3);
    expect(p1.data.homestay.comments.edges.map((e: { node: { star: number } }) => e.node.star)).toEqual([4, 2]);
    const p2 = await page(p1.data.homestay.comments.pageInfo.endCursor);
    expect(p2.data.homestay.comments.edges.map((e: { node: { content: string } }) => e.node.content)).toEqual(['Lovely stay']);
    expect(p2.data.homestay.comments.pageInfo.hasNextPage).toBe(false);
  });

  it('refuses bad comments and unknown homestays', async () => {
    const homestayId = await createHomestay(db, { businessId, landlordId: landlord.userId, city: uniqueCity() });
    const guest = await signUp('Guest Bad');
    expect(errorCode(await gql(ADD, { homestayId, star: 5, content: 'hi' }))).toBe('UNAUTHENTICATED');
    for (const [star, content, argument] of [
      [0, 'ok', 'star'],
      [6, 'ok', 'star'],
      [5, 'x'.repeat(1001), 'content'],
      [5, '   ', 'content'],
    ] as const) {
      const r = await gql(ADD, { homestayId, star, content }, { token: guest.token });
      expect(errorCode(r)).toBe('BAD_USER_INPUT');
      expect(r.errors![0].extensions!.argumentName).toBe(argument);
    }
    expect(errorCode(await gql(ADD, { homestayId: '999999999', star: 5, content: 'hi' }, { token: guest.token }))).toBe('NOT_FOUND');
    const [rows] = await db.query('select count(*) as n from homestay_comment where homestay_id = ?', [homestayId]);
    expect(Number((rows as { n: string }[])[0].n)).toBe(0);
  });
});
