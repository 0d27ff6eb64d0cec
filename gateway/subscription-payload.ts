import {
  Kind,
  print,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLFieldResolver,
  type GraphQLResolveInfo,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
  type VariableDefinitionNode,
} from 'graphql';
import type { OrderStateEvent } from '../contracts/order.js';

/**
 * How an `orderStateChanged` subscription turns an order event into the payload its selection
 * asks for: from the event alone when that is enough, else by one query through the gateway.
 */

/** Resolves every field from its response key: payload objects are shaped like the response. */
export const byResponseKey: GraphQLFieldResolver<unknown, unknown> = (source, _args, _ctx, info) =>
  source && typeof source === 'object' ? (source as Record<string, unknown>)[String(info.path.key)] : undefined;

const responseKey = (f: FieldNode) => f.alias?.value ?? f.name.value;

/** Fields of a selection set with inline fragments and fragment spreads flattened (one level). */
function flattenFields(set: SelectionSetNode | undefined, fragments: Record<string, FragmentDefinitionNode>, out: FieldNode[] = []): FieldNode[] {
  for (const sel of set?.selections ?? []) {
    if (sel.kind === Kind.FIELD) out.push(sel);
    else if (sel.kind === Kind.INLINE_FRAGMENT) flattenFields(sel.selectionSet, fragments, out);
    else {
      const frag = fragments[sel.name.value];
      if (frag) flattenFields(frag.selectionSet, fragments, out);
    }
  }
  return out;
}

/** What the event itself can answer on `order` with no subgraph call. */
function answerableFromEvent(selections: readonly SelectionNode[]): boolean {
  return selections.every((sel) => {
    if (sel.kind !== Kind.FIELD || sel.directives?.length) return false;
    const name = sel.name.value;
    if (name === 'sn' || name === 'state' || name === '__typename') return !sel.selectionSet;
    if (name === 'user' && sel.selectionSet) {
      return sel.selectionSet.selections.every(
        (s) => s.kind === Kind.FIELD && !s.directives?.length && !s.selectionSet && (s.name.value === 'id' || s.name.value === '__typename'),
      );
    }
    return false;
  });
}

export function fromEvent(selections: readonly SelectionNode[], event: OrderStateEvent, typename: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const sel of selections as FieldNode[]) {
    const name = sel.name.value;
    out[responseKey(sel)] =
      name === 'sn' ? event.sn
      : name === 'state' ? event.to
      : name === '__typename' ? typename
      : Object.fromEntries(
          (sel.selectionSet!.selections as FieldNode[]).map((u) => [responseKey(u), u.name.value === 'id' ? event.userId : 'User']),
        );
  }
  return out;
}

/**
 * The plan for one subscription: how to turn an event into the payload its selection asks for.
 * Every `order` field (by response key) becomes `key: order(sn: $__sn) { …the same selection… }`
 * in one query executed through the gateway.
 */
export interface PayloadPlan {
  rootKey: string;
  /** Response keys of the OrderStateChange selection, with what each one is. */
  fields: Array<{ key: string; name: string }>;
  /** Selections on `order` by response key. */
  orders: Map<string, SelectionNode[]>;
  fastPath: boolean;
  query?: string;
  variables: Record<string, unknown>;
  /**
   * Equal for two plans that run the same query with the same variables: one event is resolved
   * once per distinct key (and user), however many subscriptions share it.
   */
  key?: string;
}

/** A plan without the variable values: what every subscription of one document shares. */
type SharedPlan = PayloadPlan & { usedVariables: string[] };

/**
 * Plans by the root field node of the document: sockets that send the same text share one parsed
 * document (lib/query-guard.ts), so they share its plan too, and a subscription whose payload
 * query uses no variable shares the plan object itself.
 */
const plans = new WeakMap<FieldNode, { fieldNodes: readonly FieldNode[]; plan: SharedPlan }>();

export function planPayload(info: GraphQLResolveInfo): PayloadPlan {
  const root = info.fieldNodes[0]!;
  let cached = plans.get(root);
  // The same document merges the same root fields, unless @skip/@include chose others.
  if (!cached || cached.fieldNodes.length !== info.fieldNodes.length || cached.fieldNodes.some((f, i) => f !== info.fieldNodes[i])) {
    cached = { fieldNodes: info.fieldNodes, plan: sharedPlan(info) };
    plans.set(root, cached);
  }
  const { plan } = cached;
  if (!plan.usedVariables.length) return plan;
  const variables: Record<string, unknown> = {};
  for (const name of plan.usedVariables) if (name in info.variableValues) variables[name] = info.variableValues[name];
  return { ...plan, variables, key: `${plan.query}\n${JSON.stringify(variables)}` };
}

function sharedPlan(info: GraphQLResolveInfo): SharedPlan {
  const fields: PayloadPlan['fields'] = [];
  const orders = new Map<string, SelectionNode[]>();
  for (const root of info.fieldNodes) {
    for (const f of flattenFields(root.selectionSet, info.fragments)) {
      const key = responseKey(f);
      if (!fields.some((x) => x.key === key)) fields.push({ key, name: f.name.value });
      if (f.name.value === 'order') orders.set(key, [...(orders.get(key) ?? []), ...(f.selectionSet?.selections ?? [])]);
    }
  }
  const fastPath = [...orders.values()].every(answerableFromEvent);
  const plan: SharedPlan = { rootKey: String(info.path.key), fields, orders, fastPath, variables: {}, usedVariables: [] };
  if (fastPath) return plan;

  // The fragments and variables the `order` selections use (validation refuses unused ones).
  const usedFragments = new Set<string>();
  const usedVariables = new Set<string>();
  const scan = (sels: readonly SelectionNode[]) =>
    visit({ kind: Kind.SELECTION_SET, selections: sels } as SelectionSetNode, {
      FragmentSpread(node) {
        if (usedFragments.has(node.name.value)) return;
        usedFragments.add(node.name.value);
        const frag = info.fragments[node.name.value];
        if (frag) scan(frag.selectionSet.selections);
      },
      Variable(node) {
        usedVariables.add(node.name.value);
      },
    });
  for (const sels of orders.values()) scan(sels);

  const snVar = '__orderSn';
  const variableDefinitions: VariableDefinitionNode[] = [
    {
      kind: Kind.VARIABLE_DEFINITION,
      variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: snVar } },
      type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'ID' } } },
    },
    ...(info.operation.variableDefinitions ?? []).filter((d) => usedVariables.has(d.variable.name.value)),
  ];
  const operation: OperationDefinitionNode = {
    kind: Kind.OPERATION_DEFINITION,
    operation: 'query' as OperationDefinitionNode['operation'],
    name: { kind: Kind.NAME, value: 'OrderStateChangedPayload' },
    variableDefinitions,
    selectionSet: {
      kind: Kind.SELECTION_SET,
      selections: [...orders].map(([key, sels]) => ({
        kind: Kind.FIELD,
        alias: { kind: Kind.NAME, value: key },
        name: { kind: Kind.NAME, value: 'order' },
        arguments: [
          {
            kind: Kind.ARGUMENT,
            name: { kind: Kind.NAME, value: 'sn' },
            value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: snVar } },
          },
        ],
        selectionSet: { kind: Kind.SELECTION_SET, selections: sels },
      })),
    },
  };
  const document: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [operation, ...[...usedFragments].map((n) => info.fragments[n]!).filter(Boolean)],
  };
  plan.query = print(document);
  plan.usedVariables = [...usedVariables];
  plan.key = `${plan.query}\n{}`;
  return plan;
}

