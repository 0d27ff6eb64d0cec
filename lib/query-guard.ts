import {
  GraphQLError,
  Kind,
  Lexer,
  Source,
  TokenKind,
  getOperationAST,
  parse,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import type express from 'express';
import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { graphqlRequests } from './metrics.js';
import { operationCost } from './query-cost.js';

/**
 * The checks a GraphQL document passes before Apollo parses and validates it, cheapest first,
 * so a hostile document is refused for a fraction of what validating it would cost:
 *
 * 1. size, by lexing alone: at most `maxTokens` tokens and `maxDirectives` directives (`@`);
 * 2. static cost with the request's variables (lib/query-cost.ts): at most `maxCost`;
 * 3. fields merged into one response field (`a { x } a { x } …`, also through fragments): at most
 *    MAX_MERGED_FIELDS, and at most EXPANSION_PER_TOKEN × maxTokens fields once fragments are
 *    inlined. graphql-js compares merged fields pairwise (OverlappingFieldsCanBeMerged), so a
 *    7 KB document of one repeated field would otherwise take tens of milliseconds to validate.
 *
 * Parsed documents (without locations, unless asked) are kept in a small LRU keyed by their
 * text, refused ones too unless 3 refused them, so a known document costs a map lookup and a cost
 * walk with the request's variables. queryCostPlugin repeats the cost check inside Apollo for what the
 * middleware never sees as text: a persisted query sent by its hash alone.
 */
export interface QueryBounds {
  maxTokens: number;
  maxDirectives: number;
  maxCost: number;
}

export const MAX_MERGED_FIELDS = 20;
const EXPANSION_PER_TOKEN = 10;
/** Nesting the merge walk follows; deeper documents are left to validation (depth limit, fragment cycles). */
const MAX_WALK_DEPTH = 64;
const CACHE_CHARS = 1 << 20;

/** The client-facing bounds (QUERY_MAX_*). */
export function gatewayBounds(cfg: Config): QueryBounds {
  return { maxTokens: cfg.queryMaxTokens, maxDirectives: cfg.queryMaxDirectives, maxCost: cfg.queryMaxCost };
}

/**
 * A subgraph's bounds. The gateway's fetch documents add key fields, `__typename` and inline
 * fragments to what the client wrote, so size bounds get twice the room; cost keeps the same
 * limit, since a fetch never holds more objects than the client operation they were counted in
 * (an `_entities` fetch counts one per representation).
 */
export function subgraphBounds(cfg: Config): QueryBounds {
  return { maxTokens: cfg.queryMaxTokens * 2, maxDirectives: cfg.queryMaxDirectives * 2, maxCost: cfg.queryMaxCost };
}

const refusal = (message: string, code: string, extensions: Record<string, unknown> = {}) =>
  new GraphQLError(message, { extensions: { code, ...extensions } });

/** Counts tokens and directives by lexing alone, stopping at the first bound crossed. */
export function sizeError(query: string, bounds: Pick<QueryBounds, 'maxTokens' | 'maxDirectives'>): GraphQLError | undefined {
  const lexer = new Lexer(new Source(query));
  let tokens = 0;
  let directives = 0;
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      // The same words and code as graphql-js's own maxTokens parse option.
      if (++tokens > bounds.maxTokens) {
        return refusal(`Syntax Error: Document contains more than ${bounds.maxTokens} tokens. Parsing aborted.`, 'GRAPHQL_PARSE_FAILED', {
          limit: bounds.maxTokens,
        });
      }
      if (token.kind === TokenKind.AT && ++directives > bounds.maxDirectives) {
        return refusal(`Directives limit of ${bounds.maxDirectives} exceeded.`, 'GRAPHQL_VALIDATION_FAILED', { limit: bounds.maxDirectives });
      }
    }
  } catch {
    // A lexical error: parsing reports it with its location.
  }
  return undefined;
}

interface Position {
  merged: Map<string, FieldNode | FieldNode[]>;
  spread: Set<string> | undefined;
  fragments: Map<string, FragmentDefinitionNode>;
  visited: number;
}

/** Gathers the fields of a selection set into one response position (a function, not a closure: cheap to call). */
function collect(set: SelectionSetNode, at: Position): void {
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) {
      const key = sel.alias?.value ?? sel.name.value;
      const seen = at.merged.get(key);
      if (seen === undefined) at.merged.set(key, sel);
      else if (Array.isArray(seen)) seen.push(sel);
      else at.merged.set(key, [seen, sel]);
      at.visited += 1;
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      collect(sel.selectionSet, at);
    } else if (!(at.spread ??= new Set()).has(sel.name.value)) {
      at.spread.add(sel.name.value);
      const fragment = at.fragments.get(sel.name.value);
      if (fragment) collect(fragment.selectionSet, at);
    }
  }
}

/**
 * Walks every response field of every operation and fragment with the field nodes merged into
 * it (inline fragments and fragment spreads flattened, as execution merges them).
 */
export function mergeError(document: DocumentNode, maxTokens: number): GraphQLError | undefined {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const budget = EXPANSION_PER_TOKEN * maxTokens;
  let visited = 0;
  let error: GraphQLError | undefined;
  type Path = { key: string; parent: Path | undefined } | undefined;
  const pathOf = (p: Path): string => (p ? (p.parent ? `${pathOf(p.parent)}.${p.key}` : p.key) : '');

  /** One response position: the selection sets merged there. */
  const walk = (sets: readonly SelectionSetNode[], path: Path, depth: number): boolean => {
    if (depth > MAX_WALK_DEPTH) return true;
    // Most positions merge nothing: a plain Map of key → node, arrays only for repeated keys.
    const position: Position = { merged: new Map(), spread: undefined, fragments, visited: 0 };
    for (const set of sets) collect(set, position);
    visited += position.visited;
    if (visited > budget) {
      error = refusal(`The document expands to more than ${budget} fields once its fragments are inlined.`, 'GRAPHQL_VALIDATION_FAILED', {
        limit: budget,
      });
      return false;
    }
    for (const [key, nodes] of position.merged) {
      if (!Array.isArray(nodes)) {
        if (nodes.selectionSet && !walk([nodes.selectionSet], { key, parent: path }, depth + 1)) return false;
        continue;
      }
      if (nodes.length > MAX_MERGED_FIELDS) {
        const at = pathOf({ key, parent: path });
        error = refusal(`Field "${at}" is selected ${nodes.length} times; at most ${MAX_MERGED_FIELDS} selections merge into one field.`, 'GRAPHQL_VALIDATION_FAILED', {
          limit: MAX_MERGED_FIELDS,
        });
        return false;
      }
      const children: SelectionSetNode[] = [];
      for (const n of nodes) if (n.selectionSet) children.push(n.selectionSet);
      if (children.length && !walk(children, { key, parent: path }, depth + 1)) return false;
    }
    return true;
  };

  for (const d of document.definitions) {
    if ((d.kind === Kind.OPERATION_DEFINITION || d.kind === Kind.FRAGMENT_DEFINITION) && !walk([d.selectionSet], undefined, 0)) break;
  }
  return error;
}

/** The refusal of an operation over the cost limit (cost and limit in extensions). */
export function costError(cost: number, limit: number, extensions: Record<string, unknown> = {}): GraphQLError {
  return refusal(`Query cost limit of ${limit} exceeded, found ${cost}.`, 'GRAPHQL_VALIDATION_FAILED', { cost, limit, ...extensions });
}

/**
 * The cost check once more inside Apollo, for operations the middleware never saw as text: an
 * automatic persisted query sent by its hash alone, with variables of its own. Runs after
 * validation and before execution or any query plan; answers 400 like the middleware.
 */
export function queryCostPlugin<C extends object>(maxCost: number): ApolloServerPlugin<C> {
  const listener: GraphQLRequestListener<C> = {
    async didResolveOperation({ schema, document, operation, request }) {
      if (!operation || (request.http?.body && guardedBodies.has(request.http.body))) return;
      const cost = operationCost(schema, document, operation, { variables: request.variables });
      if (cost > maxCost) throw costError(cost, maxCost, { http: { status: 400 } });
    },
  };
  return { requestDidStart: async () => listener };
}

export type GuardResult = { document: DocumentNode; error?: undefined } | { error: GraphQLError; document?: undefined };

export class QueryGuard {
  /** Parsed documents by text; `merged` once the merged-field walk has passed them. */
  private readonly cache = new Map<string, { document: DocumentNode; merged: boolean }>();
  private cachedChars = 0;

  constructor(
    readonly bounds: QueryBounds,
    /** The schema operations are costed against (none yet: cost is not checked). */
    private readonly schema: () => GraphQLSchema | undefined,
    /**
     * `locations: true` keeps documents parsed with locations, for a caller that executes them
     * itself (the socket server: errors name where in the document they arose). Either way one
     * text is parsed once and its document shared by every request or socket that sends it.
     */
    private readonly opts: { locations?: boolean } = {},
  ) {}

  /**
   * The parsed document when every bound holds, else the refusal. The document is shared: callers
   * must not change it.
   */
  check(query: string, operationName: string | null | undefined, variables: Record<string, unknown> | null | undefined): GuardResult {
    let entry = this.cache.get(query);
    if (entry) {
      // Most recently used last.
      this.cache.delete(query);
      this.cache.set(query, entry);
    } else {
      const tooBig = sizeError(query, this.bounds);
      if (tooBig) return { error: tooBig };
      try {
        entry = { document: parse(query, { maxTokens: this.bounds.maxTokens, noLocation: !this.opts.locations }), merged: false };
      } catch (err) {
        const e = err instanceof GraphQLError ? err : new GraphQLError(String(err));
        return { error: new GraphQLError(e.message, { source: e.source, positions: e.positions, extensions: { code: 'GRAPHQL_PARSE_FAILED' } }) };
      }
      // Kept even when refused below: the same document sent again costs a lookup and a cost walk.
      this.remember(query, entry);
    }
    const { document } = entry;
    // Cost before the merged-field walk: it is the cheaper of the two and refuses the usual hostile document.
    const schema = this.schema();
    const operation = getOperationAST(document, operationName);
    if (schema && operation) {
      const cost = operationCost(schema, document, operation, { variables });
      if (cost > this.bounds.maxCost) return { error: costError(cost, this.bounds.maxCost) };
    }
    if (!entry.merged) {
      const merged = mergeError(document, this.bounds.maxTokens);
      if (merged) {
        this.forget(query);
        return { error: merged };
      }
      entry.merged = true;
    }
    return { document };
  }

  private remember(query: string, entry: { document: DocumentNode; merged: boolean }): void {
    if (query.length > CACHE_CHARS / 8) return;
    this.cache.set(query, entry);
    this.cachedChars += query.length;
    for (const [oldest] of this.cache) {
      if (this.cachedChars <= CACHE_CHARS) break;
      this.forget(oldest);
    }
  }

  private forget(query: string): void {
    if (this.cache.delete(query)) this.cachedChars -= query.length;
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Request bodies whose query, operation and variables queryGuardMiddleware costed and let through:
 * queryCostPlugin sees the same body (Apollo's `request.http.body`) and need not walk it again.
 */
const guardedBodies = new WeakSet<object>();

/**
 * Express middleware in front of Apollo on /graphql (after the body parser): a refused document
 * gets a 400 with the GraphQL error, as Apollo would answer it, before Apollo parses, validates
 * or plans anything. Anything it cannot read (batches, no query) goes on to Apollo unchanged.
 */
export function queryGuardMiddleware(guard: QueryGuard, log?: Logger): express.RequestHandler {
  return (req, res, next) => {
    const params: unknown = req.method === 'GET' ? req.query : req.body;
    if (!isRecord(params) || typeof params.query !== 'string') return next();
    let variables = params.variables;
    if (typeof variables === 'string') {
      try {
        variables = JSON.parse(variables);
      } catch {
        return next();
      }
    }
    const operationName = typeof params.operationName === 'string' ? params.operationName : undefined;
    const { error } = guard.check(params.query, operationName, isRecord(variables) ? variables : undefined);
    if (!error) {
      // Variables sent as a string (GET) are parsed again by Apollo: only a body read as is counts as checked.
      if (variables === params.variables) guardedBodies.add(params);
      return next();
    }
    graphqlRequests.inc({ operation: '(invalid)', outcome: 'invalid' });
    log?.info({ operation: operationName ?? null, refused: error.extensions.code, limit: error.extensions.limit }, 'graphql request refused');
    res.status(400).json({ errors: [error.toJSON()] });
  };
}
