import { visit, type DocumentNode } from 'graphql';

/**
 * The development-only part of the payment schema: the sandboxPay mutation (and its enum) that
 * lets QA pay from the playground. Production drops it twice: from the payment subgraph's schema,
 * and from the supergraph the gateway serves, so that it is absent, not merely refused.
 */
export function withoutSandbox(doc: DocumentNode): DocumentNode {
  return visit(doc, {
    FieldDefinition: (node) => (node.name.value === 'sandboxPay' ? null : undefined),
    EnumTypeDefinition: (node) => (node.name.value === 'SandboxOutcome' ? null : undefined),
  });
}
