import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * The Federation 2 directives the subgraph schemas use without declaring them (buildSubgraphSchema
 * adds them at run time): codegen must know them to parse `extend schema @link` and `@key`. Their
 * arguments are plain strings here so that the spec's own scalars do not end up in the generated types.
 */
const FEDERATION_DIRECTIVES = /* GraphQL */ `
  directive @link(url: String!, as: String, import: [String]) repeatable on SCHEMA
  directive @key(fields: String!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE
  directive @shareable repeatable on OBJECT | FIELD_DEFINITION
  directive @external on OBJECT | FIELD_DEFINITION
  directive @requires(fields: String!) on FIELD_DEFINITION
  directive @provides(fields: String!) on FIELD_DEFINITION
`;

interface Subgraph {
  /** The per-request context type, exported by the subgraph's context.ts. */
  context: string;
  /** Schema type → entity class of entities.ts that resolvers return for it (so it is the parent of its field resolvers). */
  entities?: Record<string, string>;
  /** Entities of other subgraphs whose parent here is the reference the gateway sends (`{ __typename, key }`). */
  references?: string[];
  /** Other schema types → `module#Type` (relative to the subgraph's folder) the resolvers use as their parent. */
  parents?: Record<string, string>;
  /** Enum → type of entities.ts holding the internal values the resolvers map the enum to. */
  enumValues?: Record<string, string>;
}

const SUBGRAPHS: Record<string, Subgraph> = {
  user: {
    context: 'UserContext',
    entities: { User: 'User', Notification: 'Notification' },
    enumValues: { Sex: 'SexCode' },
  },
  homestay: {
    context: 'HomestayContext',
    entities: { Homestay: 'Homestay', HomestayBusiness: 'HomestayBusiness', HomestayComment: 'HomestayComment' },
    // A reference, with the nickname only where the schema provides it (Homestay.landlord).
    parents: { User: 'landlord-names.js#UserRef' },
    enumValues: { HomestayRowType: 'RowTypeCode' },
  },
  order: {
    context: 'OrderContext',
    entities: { HomestayOrder: 'HomestayOrder', Settlement: 'SettleRecord' },
    references: ['User'],
    // The gateway sends them with their landlord (`@requires`), which the generated reference type cannot express.
    parents: { Homestay: 'settlements.js#LandlordOwned', HomestayBusiness: 'settlements.js#LandlordOwned' },
  },
  payment: { context: 'PaymentContext', entities: { Payment: 'ThirdPayment' }, references: ['HomestayOrder'] },
};

/** Where each subgraph's types go, relative to its folder. */
export const GENERATED_FILE = 'generated/resolvers-types.ts';

const fromEntities = (types: Record<string, string> = {}) =>
  Object.fromEntries(Object.entries(types).map(([type, name]) => [type, `../entities.js#${name}`]));

const config: CodegenConfig = {
  overwrite: true,
  generates: Object.fromEntries(
    Object.entries(SUBGRAPHS).map(([name, s]) => [
      `subgraphs/${name}/${GENERATED_FILE}`,
      {
        schema: [`subgraphs/${name}/schema.graphql`, FEDERATION_DIRECTIVES],
        plugins: [{ add: { content: '/* Generated from schema.graphql by `npm run codegen`: do not edit. */' } }, 'typescript', 'typescript-resolvers'],
        config: {
          federation: true,
          useTypeImports: true,
          // The schema's enums as string unions, the same values as contracts/ and the services use.
          enumsAsTypes: true,
          contextType: `../context.js#${s.context}`,
          mappers: {
            ...fromEntities(s.entities),
            ...Object.fromEntries((s.references ?? []).map((type) => [type, `FederationReferenceTypes['${type}']`])),
            ...Object.fromEntries(Object.entries(s.parents ?? {}).map(([type, ref]) => [type, `../${ref}`])),
          },
          // Entity classes share names with schema types: `User` is the schema's, `UserEntity` the row.
          mapperTypeSuffix: 'Entity',
          enumValues: fromEntities(s.enumValues),
          scalars: { Date: 'string', DateTime: 'Date' },
        },
      },
    ]),
  ),
};

export default config;
