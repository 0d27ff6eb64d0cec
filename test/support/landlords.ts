import { gql, signUp } from './gql.js';
import { uniqueCity } from './homestay-fixtures.js';

/** Landlords and their homestays made through the gateway, as a landlord's app would. */

export const CREATE_BUSINESS = `mutation($input: CreateBusinessInput!) {
  createBusiness(input: $input) { id title info open landlord { id } }
}`;
export const HOMESTAY_FIELDS = `id title subTitle city info foodInfo peopleNum roomCount price marketPrice foodPrice rowType onSale
  cancellationPolicy business { id } landlord { id }`;
export const CREATE_HOMESTAY = `mutation($input: CreateHomestayInput!) { createHomestay(input: $input) { ${HOMESTAY_FIELDS} } }`;
export const UPDATE_HOMESTAY = `mutation($id: ID!, $input: UpdateHomestayInput!) { updateHomestay(id: $id, input: $input) { ${HOMESTAY_FIELDS} } }`;
export const SET_NIGHTS_CLOSED = `mutation($homestayId: ID!, $from: Date!, $to: Date!, $closed: Boolean!) {
  setNightsClosed(homestayId: $homestayId, from: $from, to: $to, closed: $closed) { night reserved free available closed }
}`;

export interface Landlord {
  token: string;
  userId: string;
  businessId: string;
}

/** A new user with a business of their own. */
export async function newLandlord(title = 'Landlord Business'): Promise<Landlord> {
  const user = await signUp('Landlord');
  const r = await gql(CREATE_BUSINESS, { input: { title, info: 'hosting since today' } }, { token: user.token });
  if (!r.data?.createBusiness) throw new Error(`createBusiness failed: ${JSON.stringify(r.errors)}`);
  return { token: user.token, userId: user.userId, businessId: r.data.createBusiness.id };
}

/** A valid CreateHomestayInput for the landlord's business, with `overrides`. */
export function homestayInput(landlord: Landlord, overrides: Record<string, unknown> = {}) {
  return {
    businessId: landlord.businessId,
    title: 'Courtyard by the lake',
    city: uniqueCity('Landlord'),
    peopleNum: 4,
    roomCount: 2,
    price: 30000,
    foodPrice: 2000,
    rowType: 'PER_ROOM',
    cancellationPolicy: 'MODERATE',
    ...overrides,
  };
}

/** A homestay of the landlord, on sale; returns the created Homestay. */
export async function newHomestay(landlord: Landlord, overrides: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const r = await gql(CREATE_HOMESTAY, { input: homestayInput(landlord, overrides) }, { token: landlord.token });
  if (!r.data?.createHomestay) throw new Error(`createHomestay failed: ${JSON.stringify(r.errors)}`);
  return r.data.createHomestay;
}
