import {
  Kind,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInterfaceType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type GraphQLUnionType,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { DEFAULT_PAGE, MAX_PAGE } from './connection.js';

/**
 * Static cost of an operation, before any planning or resolver runs, in the spirit of GitHub's
 * node limit: every object a response can hold costs 1 (scalars, enums and introspection cost
 * nothing), and a list multiplies what it holds by its size. The size of a list or connection
 * is its `first`/`last` argument (literal, variable, or the argument's default), else the
 * default page size, capped at the page cap every paginated resolver enforces
 * (lib/connection.ts); a connection's `edges`/`nodes` take the connection's size; `_entities`
 * (a gateway's entity fetch to a subgraph) takes the number of representations it carries.
 * Selections under type conditions on different object types count the costliest one (an object
 * matches only one of them). @skip/@include are ignored (the cost is an upper bound).
 *
 * Cost is linear in the number of parents, so each fragment is costed once per connection
 * context and reused: the walk stays linear in the document even for fragments spread inside
 * fragments, and it skips a fragment that spreads itself (a cycle, which validation refuses).
 */
export interface CostOptions {
  variables?: Record<string, unknown> | null;
  /** Size of a list with no first/last (default: the connection default page, 20). */
  defaultListSize?: number;
  /** Largest size first/last can ask for (default: the page cap, 100). */
  maxListSize?: number;
}

type Composite = GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType;

/** What the walk needs to know about a field, computed once per schema field. */
interface FieldInfo {
  /** The object/interface/union the field returns, or null for scalars and enums. */
  type: Composite | null;
  list: boolean;
  /** first/last, when the field takes them. */
  sizeArgs: GraphQLArgument[];
  /** Returns a connection (an object with a list field edges or nodes), not a list. */
  connection: boolean;
}

const fieldInfos = new WeakMap<GraphQLField<unknown, unknown>, FieldInfo>();

// Types are told apart by their class tag, not instanceof: a schema built by another copy of
// graphql (Apollo's packages load its CommonJS build; vitest loads the ESM one) must cost the same.
const tag = (t: unknown): string | undefined => (t as { [Symbol.toStringTag]?: string } | null | undefined)?.[Symbol.toStringTag];
const isObject = (t: unknown): t is GraphQLObjectType => tag(t) === 'GraphQLObjectType';
const isUnion = (t: unknown): t is GraphQLUnionType => tag(t) === 'GraphQLUnionType';
const isComposite = (t: unknown): t is Composite => isObject(t) || isUnion(t) || tag(t) === 'GraphQLInterfaceType';
const nullable = (t: GraphQLOutputType) => (tag(t) === 'GraphQLNonNull' ? (t as { ofType: GraphQLOutputType }).ofType : t);
const isList = (t: GraphQLOutputType) => tag(nullable(t)) === 'GraphQLList';
function named(t: GraphQLOutputType): GraphQLNamedType {
  let type: unknown = t;
  while (tag(type) === 'GraphQLList' || tag(type) === 'GraphQLNonNull') type = (type as { ofType: unknown }).ofType;
  return type as GraphQLNamedType;
}

function infoOf(def: GraphQLField<unknown, unknown>): FieldInfo {
  let info = fieldInfos.get(def);
  if (!info) {
    const base = named(def.type);
    const type = isComposite(base) ? base : null;
    const list = isList(def.type);
    let connection = false;
    if (!list && isObject(type)) {
      const fields = type.getFields();
      connection = ['edges', 'nodes'].some((f) => fields[f] !== undefined && isList(fields[f]!.type));
    }
    info = { type, list, connection, sizeArgs: def.args.filter((a) => a.name === 'first' || a.name === 'last') };
    fieldInfos.set(def, info);
  }
  return info;
}

export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  opts: CostOptions = {},
): number {
  const variables = opts.variables ?? {};
  const defaultSize = opts.defaultListSize ?? DEFAULT_PAGE;
  const maxSize = opts.maxListSize ?? MAX_PAGE;
  let fragments: Map<string, FragmentDefinitionNode> | undefined;
  const fragment = (name: string) => {
    if (!fragments) {
      fragments = new Map();
      for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    }
    return fragments.get(name);
  };

  const valueOf = (node: ValueNode): unknown => {
    if (node.kind === Kind.INT) return Number(node.value);
    if (node.kind !== Kind.VARIABLE) return valueFromASTUntyped(node, variables);
    const name = node.name.value;
    if (Object.prototype.hasOwnProperty.call(variables, name)) return variables[name];
    const fallback = operation.variableDefinitions?.find((v) => v.variable.name.value === name)?.defaultValue;
    return fallback ? valueFromASTUntyped(fallback) : undefined;
  };

  /** first/last as asked (or the argument's default), clamped to [0, maxSize]; else the default size. */
  const requestedSize = (info: FieldInfo, node: FieldNode): number => {
    let size: number | undefined;
    for (const arg of info.sizeArgs) {
      const given = node.arguments?.find((a) => a.name.value === arg.name);
      const value = given ? valueOf(given.value) : arg.defaultValue;
      if (typeof value === 'number' && Number.isFinite(value)) size = Math.max(size ?? 0, Math.min(Math.max(Math.trunc(value), 0), maxSize));
    }
    return size ?? defaultSize;
  };

  const representations = (node: FieldNode): number => {
    const arg = node.arguments?.find((a) => a.name.value === 'representations');
    const value = arg ? valueOf(arg.value) : undefined;
    return Array.isArray(value) ? value.length : defaultSize;
  };

  const memo = new Map<string, number>();
  const active = new Set<string>();

  /** Cost of one object of `parent` with this selection (connectionSize: parent is a connection of that size). */
  const selectionCost = (set: SelectionSetNode | undefined, parent: Composite, connectionSize?: number): number => {
    if (!set) return 0;
    let common = 0;
    // Cost under each object-type condition below an abstract parent: those exclude one another.
    let byType: Map<string, number> | undefined;
    for (const sel of set.selections) {
      let type: Composite;
      let cost: number;
      if (sel.kind === Kind.FIELD) {
        common += fieldCost(sel, parent, connectionSize);
        continue;
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const conditioned = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent;
        if (!isComposite(conditioned)) continue;
        type = conditioned;
        cost = selectionCost(sel.selectionSet, type, connectionSize);
      } else {
        const name = sel.name.value;
        const def = fragment(name);
        const conditioned = def && schema.getType(def.typeCondition.name.value);
        if (!def || !isComposite(conditioned) || active.has(name)) continue;
        type = conditioned;
        const key = connectionSize === undefined ? name : `${name}:${connectionSize}`;
        const known = memo.get(key);
        if (known === undefined) {
          active.add(name);
          cost = selectionCost(def.selectionSet, type, connectionSize);
          active.delete(name);
          memo.set(key, cost);
        } else {
          cost = known;
        }
      }
      if (isObject(parent) || !isObject(type)) common += cost;
      else (byType ??= new Map()).set(type.name, (byType.get(type.name) ?? 0) + cost);
    }
    let costliest = 0;
    if (byType) for (const cost of byType.values()) costliest = Math.max(costliest, cost);
    return common + costliest;
  };

  const fieldCost = (node: FieldNode, parent: Composite, connectionSize?: number): number => {
    const name = node.name.value;
    // Introspection and __typename cost nothing; a union has no fields but __typename.
    if ((name.charCodeAt(0) === 95 && name.charCodeAt(1) === 95) || isUnion(parent)) return 0;
    const def = parent.getFields()[name];
    if (!def) return 0;
    const info = infoOf(def as GraphQLField<unknown, unknown>);
    if (!info.type) return 0;
    let size = 1;
    let childConnection: number | undefined;
    if (info.list) {
      if (connectionSize !== undefined && (name === 'edges' || name === 'nodes')) size = connectionSize;
      else if (name === '_entities') size = representations(node);
      else size = requestedSize(info, node);
    } else if (info.connection) {
      childConnection = requestedSize(info, node);
    }
    return size * (1 + selectionCost(node.selectionSet, info.type, childConnection));
  };

  const root = schema.getRootType(operation.operation);
  return root ? selectionCost(operation.selectionSet, root) : 0;
}
