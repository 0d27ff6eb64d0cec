import type { ApolloServerPlugin, GraphQLRequestContext } from '@apollo/server';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import { GraphQLError } from 'graphql';

/**
 * Client mistakes that Apollo's gateway would answer 500 (and our formatError would log as an
 * unexpected error): an operationName the document does not hold — the gateway executor throws
 * on it, where Apollo Server alone would answer 400 — and a subscription over HTTP, which
 * @apollo/gateway cannot execute. Both become 400 before any query plan is made.
 */

/** Where the client's subscriptions go: the same host and path, over graphql-ws (gateway/subscriptions.ts). */
function webSocketUrl(rc: GraphQLRequestContext<object>): string {
  const headers = rc.request.http?.headers;
  const secure = headers?.get('x-forwarded-proto')?.split(',')[0]?.trim() === 'https';
  return `${secure ? 'wss' : 'ws'}://${headers?.get('host') ?? 'localhost'}/graphql`;
}

const useTheWebSocket = (rc: GraphQLRequestContext<object>) =>
  `subscriptions are not served over HTTP: use the WebSocket (graphql-ws, subprotocol graphql-transport-ws) at ${webSocketUrl(rc)}`;

export function clientMistakesPlugin<C extends object>(): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation(rc) {
          if (!rc.operation) {
            const name = rc.request.operationName;
            // graphql-js's own wording (what Apollo Server answers without a gateway).
            const message = name ? `Unknown operation named "${name}".` : 'Must provide operation name if query contains multiple operations.';
            throw new GraphQLError(message, { extensions: { code: ApolloServerErrorCode.OPERATION_RESOLUTION_FAILURE, http: { status: 400 } } });
          }
          if (rc.operation.operation === 'subscription') {
            throw new GraphQLError(useTheWebSocket(rc), { extensions: { code: ApolloServerErrorCode.BAD_REQUEST, http: { status: 400 } } });
          }
        },
        async willSendResponse(rc) {
          // A GET subscription is refused by Apollo itself (405, before didResolveOperation): say where to go instead.
          const body = rc.response.body;
          if (rc.operation?.operation !== 'subscription' || rc.request.http?.method !== 'GET' || body.kind !== 'single') return;
          if (body.singleResult.data === undefined && body.singleResult.errors?.length === 1) {
            body.singleResult = { errors: [{ message: useTheWebSocket(rc), extensions: { code: ApolloServerErrorCode.BAD_REQUEST } }] };
          }
        },
      };
    },
  };
}
