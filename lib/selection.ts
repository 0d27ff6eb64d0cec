import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/**
 * The names of the fields selected at `path` below the field being resolved (fragments and inline
 * fragments followed), e.g. `['edges', 'node']` of a connection: what a list resolver reads to
 * fetch, in its one query, the related rows those fields will ask for. @skip/@include are not
 * evaluated, so a name may be listed that execution then skips: a resolver fetches a little
 * more than needed, never less.
 */
export function selectedFields(info: GraphQLResolveInfo, path: readonly string[]): Set<string> {
  let sets: SelectionSetNode[] = info.fieldNodes.flatMap((f) => (f.selectionSet ? [f.selectionSet] : []));
  for (const name of path) {
    const next: SelectionSetNode[] = [];
    for (const field of fieldsOf(info, sets)) if (field.name.value === name && field.selectionSet) next.push(field.selectionSet);
    sets = next;
  }
  return new Set(fieldsOf(info, sets).map((f) => f.name.value));
}

function fieldsOf(info: GraphQLResolveInfo, sets: readonly SelectionSetNode[], out: FieldNode[] = [], seen = new Set<string>()): FieldNode[] {
  for (const set of sets) {
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) out.push(sel);
      else if (sel.kind === Kind.INLINE_FRAGMENT) fieldsOf(info, [sel.selectionSet], out, seen);
      else if (!seen.has(sel.name.value)) {
        seen.add(sel.name.value);
        const fragment = info.fragments[sel.name.value];
        if (fragment) fieldsOf(info, [fragment.selectionSet], out, seen);
      }
    }
  }
  return out;
}
