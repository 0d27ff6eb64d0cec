import { describe, expect, it } from 'vitest';
import { parse, subscribe, validate, type DocumentNode, type GraphQLResolveInfo } from 'graphql';
import { planPayload, type PayloadPlan } from '../../gateway/subscription-payload.js';
import { apiSchema } from '../support/api-schema.js';

const schema = apiSchema();

/** The plan the subscribe resolver makes for one subscription of `document`. */
async function plan(document: DocumentNode, variableValues: Record<string, unknown> = {}): Promise<PayloadPlan> {
  expect(validate(schema, document)).toEqual([]);
  let info: GraphQLResolveInfo | undefined;
  await subscribe({
    schema,
    document,
    variableValues,
    subscribeFieldResolver: (_root, _args, _ctx, i) => {
      info = i;
      return (async function* () {})();
    },
  });
  return planPayload(info!);
}

describe('subscription payload plans', () => {
  it('subscriptions of one document share one plan', async () => {
    const lean = parse(`subscription { orderStateChanged { to order { sn } } }`);
    const a = await plan(lean);
    expect(a.fastPath).toBe(true);
    expect(await plan(lean)).toBe(a);
    const full = parse(`subscription($sn: ID) { orderStateChanged(sn: $sn) { to order { sn state homestay { title } } } }`);
    const b = await plan(full, { sn: 'HSO1' });
    expect(b.fastPath).toBe(false);
    expect(await plan(full, { sn: 'HSO2' })).toBe(b); // $sn is not in the payload query
    expect(b.query).toContain('order(sn: $__orderSn)');
  });

  it('the payload query is shared; the values of the variables it uses are each subscription’s', async () => {
    const doc = parse(`subscription($n: Int) { orderStateChanged { order { sn homestay { comments(first: $n) { edges { node { id } } } } } } }`);
    const one = await plan(doc, { n: 1 });
    const two = await plan(doc, { n: 2 });
    expect(one.query).toBe(two.query);
    expect(one.orders).toBe(two.orders);
    expect([one.variables, two.variables]).toEqual([{ n: 1 }, { n: 2 }]);
    expect(one.key).not.toBe(two.key);
    expect((await plan(doc, { n: 1 })).key).toBe(one.key);
  });
});
