import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Kind, parse, validate, type OperationDefinitionNode } from 'graphql';
import { apiSchema } from '../support/api-schema.js';

/**
 * The playground's example tabs are what QA and app developers run first: every operation in them
 * must be valid against the schema the gateway serves, so a renamed field fails here, not in front
 * of a user. The first (default) tab is the landlord's.
 */
const tab = (name: string) => readFileSync(new URL(`../../gateway/playground/${name}-tab.graphql`, import.meta.url), 'utf8');
const operations = (text: string) =>
  parse(text).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION).map((d) => d.name?.value);

describe('playground tabs', () => {
  const schema = apiSchema();

  it.each(['landlord', 'guest'])('the %s tab is valid against the supergraph', (name) => {
    expect(validate(schema, parse(tab(name))).map((e) => e.message)).toEqual([]);
  });

  it('opens on the landlord example: business, homestay, closed nights, orders, check-in', () => {
    expect(operations(tab('landlord'))).toEqual(['OpenBusiness', 'ListHomestay', 'CloseNights', 'MyBookings', 'CheckIn']);
    expect(tab('landlord')).toMatch(/landlordOrders[\s\S]*mobile/);
  });
});
