import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { CONTEXT_HEADER, signContext } from '../lib/internal-auth.js';
import { subgraphFetchDuration } from '../lib/metrics.js';
import { SpanKind, childSpan, endSpan, traceCarrier, type RequestContext } from '../lib/request-context.js';
import { encodeVariables, postToSubgraph, SubgraphResponse, withMember, type SubgraphReply } from './subgraph-fetch.js';

export { closeAgent } from './subgraph-fetch.js';

export interface GatewayContext {
  userId: string | null;
  requestId: string;
  /** The client's address (gateway/client-address.ts), signed for the services' per-address limits. */
  clientIp?: string;
  /** Request and trace ids of the client request (lib/request-context.ts). */
  trace?: RequestContext;
  /** The signed internal context header, computed once per client request for all its fetches. */
  signedContext?: string;
}

type ProcessOptions = GraphQLDataSourceProcessOptions<GatewayContext>;
type SubgraphResult = Awaited<ReturnType<RemoteGraphQLDataSource<GatewayContext>['process']>>;
type SubgraphRequest = ProcessOptions['request'];

/**
 * A 400 whose JSON body carries GraphQL errors is a GraphQL response (GraphQL over HTTP: a
 * subgraph answers a bad variable value that way), so its errors and codes reach the client as
 * any subgraph error does. Any other failed response is an HTTP error.
 */
function graphqlErrors(response: SubgraphResponse): { errors: unknown[] } | null {
  if (response.status !== 400 || !/json/.test(response.headers.get('content-type') ?? '')) return null;
  try {
    const body = JSON.parse(response.body) as { errors?: unknown };
    return Array.isArray(body?.errors) && body.errors.length ? (body as { errors: unknown[] }) : null;
  } catch {
    return null;
  }
}

/**
 * The replies of one client query operation's fetches, by subgraph, query and variables. The
 * planner names every fetch apart (TestQuery__products__2, __6, __12) though deep queries ask the
 * same entities for the same fields at several places of the plan: within one operation a query
 * fetch asked again is answered with the first reply, parsed anew for each caller (the gateway
 * merges into results in place). Never within a mutation operation, whose later fetches must see
 * what its mutations changed.
 */
const repliesOf = new WeakMap<object, Map<string, Promise<SubgraphReply>>>();

/** A fetch's query without its operation name, the only thing that tells two equal fetches apart. */
const unnamed = (query: string) => query.replace(/^\s*query\s+[_A-Za-z][_0-9A-Za-z]*/, 'query');

/** The reply memo of the client operation a fetch belongs to; none outside client query operations. */
function replyMemo(options: ProcessOptions): Map<string, Promise<SubgraphReply>> | undefined {
  if (!('incomingRequestContext' in options)) return undefined;
  const operation = options.incomingRequestContext;
  if (operation.operation?.operation !== 'query') return undefined;
  let replies = repliesOf.get(operation);
  if (!replies) repliesOf.set(operation, (replies = new Map()));
  return replies;
}

/** Request headers as a plain Map (the stock data source builds node-fetch Headers per fetch). */
class PlainHeaders extends Map<string, string> {
  override set(name: string, value: string) {
    return super.set(name.toLowerCase(), value);
  }
  override get(name: string) {
    return super.get(name.toLowerCase()) ?? (null as unknown as undefined);
  }
  override has(name: string) {
    return super.has(name.toLowerCase());
  }
  override delete(name: string) {
    return super.delete(name.toLowerCase());
  }
  append(name: string, value: string) {
    const prev = this.get(name);
    this.set(name, prev ? `${prev}, ${value}` : value);
  }
}

/** The cache hint of a subgraph's Cache-Control header, as RemoteGraphQLDataSource derives it. */
function cacheHint(header: string | null): { maxAge: number; scope?: 'PUBLIC' | 'PRIVATE' } {
  const hint: { maxAge: number; scope?: 'PUBLIC' | 'PRIVATE' } = { maxAge: 0 };
  for (const part of (header ?? '').split(',')) {
    const [k, v] = part.trim().toLowerCase().split('=');
    if (k === 'max-age' && v && /^\d+$/.test(v)) hint.maxAge = Number(v);
    if (k === 'private') hint.scope = 'PRIVATE';
    if (k === 'public') hint.scope = 'PUBLIC';
  }
  return hint;
}

/**
 * Forwards the verified user to the platform's subgraphs in a header signed with the internal
 * secret (never to other subgraphs: secret null), with the trace context on every call.
 *
 * It overrides `process`, the one method the gateway calls, and otherwise uses only the public
 * hooks of RemoteGraphQLDataSource (willSendRequest, parseBody, errorFromResponse,
 * didEncounterError): the stock transport (node-fetch Headers and a Request object per fetch,
 * then make-fetch-happen) is replaced by undici on a shared pool with in-flight sharing
 * (subgraph-fetch.ts). APQ is not used here.
 */
export class SignedDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  private readonly origin: string;
  private readonly path: string;

  constructor(
    url: string,
    private readonly secret: string | null,
    private readonly subgraph = new URL(url).host,
  ) {
    super({ url });
    const u = new URL(url);
    this.origin = u.origin;
    this.path = `${u.pathname}${u.search}`;
  }

  override willSendRequest({ request, context }: ProcessOptions): void {
    const ctx = context as Partial<GatewayContext>;
    const headers = request.http?.headers;
    if (!headers) return;
    if (this.secret) {
      ctx.signedContext ??= signContext({ userId: ctx.userId ?? undefined, requestId: ctx.requestId, clientIp: ctx.clientIp }, this.secret);
      headers.set(CONTEXT_HEADER, ctx.signedContext);
    }
  }

  /** Sends one fetch of a query plan, timed for graphql_subgraph_fetch_duration_seconds. */
  override async process(options: ProcessOptions): Promise<SubgraphResult> {
    const end = subgraphFetchDuration.startTimer({ subgraph: this.subgraph });
    // One CLIENT span per subgraph fetch; the subgraph's own span hangs under it (W3C traceparent).
    const trace = (options.context as Partial<GatewayContext>).trace;
    const span = childSpan(`fetch ${this.subgraph}`, SpanKind.CLIENT, trace, { 'server.address': this.origin });
    try {
      const { request } = options;
      const headers = new PlainHeaders();
      if (request.http?.headers) for (const [k, v] of request.http.headers) headers.append(k, v);
      headers.set('content-type', 'application/json');
      request.http = { method: 'POST', url: this.url, headers: headers as never };
      this.willSendRequest(options);
      if (trace) for (const [k, v] of Object.entries(traceCarrier(span))) headers.set(k, v);
      if (!request.query) throw new Error('Missing query');
      const variables = encodeVariables(request.variables);
      const sent = await this.send(request, variables.json, options.context as GatewayContext, replyMemo(options));
      const response = variables.expand ? variables.expand(sent) : sent;
      // Only client operations carry a cache policy to narrow (not health checks or schema loads).
      if ('incomingRequestContext' in options && this.honorSubgraphCacheControlHeader) {
        const policy = options.incomingRequestContext.overallCachePolicy;
        if (policy && 'restrict' in policy) policy.restrict(cacheHint(response.http.headers.get('cache-control')));
      }
      end({ outcome: response.errors?.length ? 'error' : 'success' });
      endSpan(span);
      // `http` is fetch-Response-shaped, not a full FetcherResponse: the gateway reads only the body.
      return response as unknown as SubgraphResult;
    } catch (err) {
      end({ outcome: 'failure' });
      endSpan(span, err);
      throw err;
    }
  }

  /** The HTTP exchange, with the stock data source's results and errors. */
  private async send(request: SubgraphRequest, variablesJson: string, context: GatewayContext, replies: Map<string, Promise<SubgraphReply>> | undefined) {
    const { http, variables: _variables, ...withoutHttp } = request;
    if (!http) throw new Error("Internal error: Only 'http' requests are supported.");
    const headers: Record<string, string> = {};
    for (const [k, v] of http.headers) headers[k] = v;
    let response: SubgraphResponse | undefined;
    try {
      // Mutations are never shared: each one must run.
      const shareable = typeof withoutHttp.query === 'string' && !/^\s*mutation\b/.test(withoutHttp.query);
      const key = shareable && replies ? `${this.origin}${this.path}\n${unnamed(withoutHttp.query!)}\n${variablesJson}` : undefined;
      let reply = key === undefined ? undefined : replies!.get(key);
      if (!reply) {
        reply = postToSubgraph(this.origin, this.path, headers, withMember(JSON.stringify(withoutHttp), 'variables', variablesJson), shareable);
        if (key !== undefined) replies!.set(key, reply);
      }
      response = new SubgraphResponse(http.url, await reply);
      const body = response.ok ? await this.parseBody(response as never) : graphqlErrors(response);
      if (!response.ok && !body) throw await this.errorFromResponse(response as never);
      if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new Error(`Expected JSON response body, but received: ${body}`);
      return Object.assign(body, { http: response }) as { errors?: unknown[]; http: SubgraphResponse };
    } catch (error) {
      this.didEncounterError(error as Error, undefined as never, response as never, context, request);
      throw error;
    }
  }
}
