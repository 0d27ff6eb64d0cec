import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type mysql from 'mysql2/promise';
import { gql, processUrl, signUp, testNamespace } from '../../support/gql.js';
import { createBusiness, createHomestay, homestayDb, uniqueCity } from '../../support/homestay-fixtures.js';
import { metric } from '../../support/metrics.js';
import { Stack } from '../../support/stack.js';

/**
 * A homestay's landlord comes with its nickname from the homestay subgraph (`@provides`, a copy
 * kept by subgraphs/homestay/landlord-names.ts), so a catalog page is one subgraph fetch; the copy
 * follows a nickname change as soon as the user service announces it.
 *
 * A gateway of its own (on the shared subgraphs) counts only this file's subgraph fetches.
 */
let gateway: Stack;
let db: mysql.Connection;

async function fetchesBySubgraph(): Promise<Record<string, number>> {
  const fetches = (subgraph: string) => metric(gateway.gatewayUrl, 'graphql_subgraph_fetch_duration_seconds_count', { subgraph });
  return { homestay: await fetches('homestay'), user: await fetches('user') };
}

beforeAll(async () => {
  db = await homestayDb();
  gateway = await Stack.start({
    namespace: testNamespace(),
    processes: ['gateway'],
    env: { USER_URL: processUrl('user'), HOMESTAY_URL: processUrl('homestay'), ORDER_URL: processUrl('order'), PAYMENT_URL: processUrl('payment') },
  });
});
afterAll(async () => {
  await gateway?.close();
  await db?.end();
});

describe("landlords' nicknames on homestays", () => {
  it('a catalog page with its landlords is one fetch, of the homestay subgraph', async () => {
    const city = uniqueCity('Names');
    const [a, b] = [await signUp('Landlord Names A'), await signUp('Landlord Names B')];
    const ids: Record<string, string> = {};
    for (const owner of [a, b]) {
      const businessId = await createBusiness(db, owner.userId, { title: `Names ${owner.userId}` });
      ids[owner.userId] = await createHomestay(db, { businessId, landlordId: owner.userId, city });
    }
    const before = await fetchesBySubgraph();
    const page = await gql(`query($city: String) { homestays(first: 20, city: $city, scope: ALL) { edges { node { id landlord { id nickname } } } } }`, { city }, { url: `${gateway.gatewayUrl}/graphql` });
    expect(page.errors).toBeUndefined();
    expect(page.data.homestays.edges.map((e: { node: unknown }) => e.node)).toEqual([
      { id: ids[b.userId], landlord: { id: b.userId, nickname: 'Landlord Names B' } },
      { id: ids[a.userId], landlord: { id: a.userId, nickname: 'Landlord Names A' } },
    ]);
    const after = await fetchesBySubgraph();
    expect({ homestay: (after.homestay ?? 0) - (before.homestay ?? 0), user: (after.user ?? 0) - (before.user ?? 0) }).toEqual({ homestay: 1, user: 0 });
  });

  it("shows a landlord's new nickname on its homestays at once, not when the copy expires", async () => {
    const landlord = await signUp('Landlord Before');
    const businessId = await createBusiness(db, landlord.userId, { title: 'Rename Business' });
    const id = await createHomestay(db, { businessId, landlordId: landlord.userId, city: uniqueCity('Rename') });
    const nickname = async () => (await gql(`query($id: ID!) { homestay(id: $id) { landlord { nickname } } }`, { id })).data.homestay.landlord.nickname;
    // Read once, so the homestay service holds a copy of the old name.
    expect(await nickname()).toBe('Landlord Before');
    const upd = await gql(`mutation { updateMe(input: { nickname: "Landlord After" }) { nickname } }`, {}, { token: landlord.token });
    expect(upd.data.updateMe.nickname).toBe('Landlord After');
    // The copy would be kept for a minute (NAME_TTL_MS): only the announcement makes this pass.
    await expect.poll(nickname, { timeout: 5_000, interval: 100 }).toBe('Landlord After');
  });

  it('names a landlord only from the user subgraph when a homestay is not on the path (business landlord)', async () => {
    const landlord = await signUp('Landlord Business');
    const businessId = await createBusiness(db, landlord.userId, { title: 'Business Path' });
    const r = await gql(`query($id: ID!) { business(id: $id) { landlord { id nickname } } }`, { id: businessId });
    expect(r.errors).toBeUndefined();
    expect(r.data.business.landlord).toEqual({ id: landlord.userId, nickname: 'Landlord Business' });
  });
});
