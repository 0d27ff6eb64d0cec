import { GraphQLError, type ValidationContext, type ValidationRule } from 'graphql';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { config } from '../lib/config.js';

/**
 * Validation rules that refuse documents too costly to plan and fan out: fields nested deeper
 * than QUERY_MAX_DEPTH (a fragment adds no depth), or more than QUERY_MAX_ALIASES aliases (each
 * alias can repeat a whole subgraph fetch). GraphQL Armor's rules do the counting, through
 * fragments and safe against fragment cycles; here they report a validation error instead of
 * throwing, so Apollo answers GRAPHQL_VALIDATION_FAILED (400) rather than an internal error.
 * Introspection is not counted. Apollo caches validated documents, so a known document pays once.
 * Size (tokens, directives), merged fields and cost are checked before validation, with the
 * request's variables, by lib/query-guard.ts.
 */
export function queryLimitRules(): ValidationRule[] {
  const cfg = config();
  const report = [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(plain(error))];
  const common = { propagateOnRejection: false, onReject: report, onAccept: [] };
  return [
    maxDepthRule({ ...common, n: cfg.queryMaxDepth, ignoreIntrospection: true, flattenFragments: true }),
    maxAliasesRule({ ...common, n: cfg.queryMaxAliases }),
  ];
}

// The library words every rejection as a "Syntax Error", which it is not.
const plain = (error: GraphQLError) => new GraphQLError(error.message.replace(/^Syntax Error: /, ''));
