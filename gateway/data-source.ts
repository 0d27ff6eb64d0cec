import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { Agent } from 'undici';
import { CONTEXT_HEADER, signContext } from '../lib/internal-auth.js';
import { subgraphFetchDuration } from '../lib/metrics.js';
import { SpanKind, childSpan, endSpan, traceCarrier, type RequestContext } from '../lib/request-context.js';

export interface GatewayContext {
  userId: string | null;
  requestId: string;
  /** Request and trace ids of the client request (lib/request-context.ts). */
  trace?: RequestContext;
  /** The signed internal context header, computed once per client request for all its fetches. */
  signedContext?: string;
}

/**
 * One keep-alive pool for all subgraph calls: query plans fan out to several subgraphs per
 * request, and a fresh TCP connection each time would cost more than the call itself. A few dozen
 * sockets per subgraph keep up with the gateway's event loop; hundreds only cost connects.
 */
// Idle sockets are dropped well before common server keep-alive timeouts (Node's default is 5 s),
// so a request is never written to a socket the subgraph is closing ("other side closed").
const agent = new Agent({ keepAliveTimeout: 4_000, keepAliveMaxTimeout: 60_000, keepAliveTimeoutThreshold: 2_000, connections: 64, pipelining: 1 });

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}
/**
 * Identical subgraph queries in flight at the same moment share one HTTP call (as Hive Gateway
 * does): same subgraph, same body, same signed caller header. Each caller parses its own copy of
 * the text (the gateway merges results in place). Mutations are never shared.
 */
const inFlight = new Map<string, Promise<RawResponse>>();

/**
 * Every request header that could change the answer (all but the per-fetch trace headers), so
 * that two callers share a fetch only when the subgraph cannot tell them apart: a header that
 * carries a user, today the signed context, tomorrow perhaps another, always keeps them apart.
 */
function identityOf(headers: Record<string, string>): string {
  let out = '';
  for (const k of Object.keys(headers).sort()) if (k !== 'traceparent' && k !== 'x-request-id') out += `${k}:${headers[k]}\n`;
  return out;
}

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

/** What RemoteGraphQLDataSource reads of a fetch response (status, headers.get, json/text). */
class SubgraphResponse {
  constructor(
    readonly url: string,
    readonly status: number,
    private readonly rawHeaders: Record<string, string | string[] | undefined>,
    readonly body: string,
  ) {}
  get ok() {
    return this.status >= 200 && this.status < 300;
  }
  readonly statusText = '';
  readonly headers = {
    get: (name: string): string | null => {
      const v = this.rawHeaders[name.toLowerCase()];
      return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
    },
  };
  async json() {
    return JSON.parse(this.body);
  }
  async text() {
    return this.body;
  }
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

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const ctx = context as Partial<GatewayContext>;
    const headers = request.http?.headers;
    if (!headers) return;
    if (this.secret) {
      ctx.signedContext ??= signContext({ userId: ctx.userId ?? undefined, requestId: ctx.requestId }, this.secret);
      headers.set(CONTEXT_HEADER, ctx.signedContext);
    }
  }

  /**
   * RemoteGraphQLDataSource.process without its per-fetch node-fetch Headers (APQ is not used
   * here), timing every subgraph fetch for graphql_subgraph_fetch_duration_seconds.
   */
  override async process(
    options: GraphQLDataSourceProcessOptions<GatewayContext>,
  ): ReturnType<RemoteGraphQLDataSource<GatewayContext>['process']> {
    const end = subgraphFetchDuration.startTimer({ subgraph: this.subgraph });
    // One CLIENT span per subgraph fetch; the subgraph's own span hangs under it (W3C traceparent).
    const trace = (options.context as Partial<GatewayContext>).trace;
    const span = childSpan(`fetch ${this.subgraph}`, SpanKind.CLIENT, trace, { 'server.address': this.origin });
    try {
      const { request, context } = options;
      const headers = new PlainHeaders();
      if (request.http?.headers) for (const [k, v] of request.http.headers) headers.append(k, v);
      headers.set('content-type', 'application/json');
      request.http = { method: 'POST', url: this.url, headers: headers as never };
      this.willSendRequest(options);
      if (trace) for (const [k, v] of Object.entries(traceCarrier(span))) headers.set(k, v);
      if (!request.query) throw new Error('Missing query');
      const response = await this.fastSendRequest(request as never, context as GatewayContext);
      // Only client operations carry a cache policy to narrow (not health checks or schema loads).
      const incoming = (options as { incomingRequestContext?: { overallCachePolicy?: unknown } }).incomingRequestContext;
      if (incoming && this.honorSubgraphCacheControlHeader) {
        const policy = incoming.overallCachePolicy as { restrict?: (hint: ReturnType<typeof cacheHint>) => void } | undefined;
        if (policy?.restrict) policy.restrict(cacheHint(response.http.headers.get('cache-control')));
      }
      end({ outcome: (response as { errors?: unknown[] }).errors?.length ? 'error' : 'success' });
      endSpan(span);
      return response as never;
    } catch (err) {
      end({ outcome: 'failure' });
      endSpan(span, err);
      throw err;
    }
  }

  /**
   * Replaces RemoteGraphQLDataSource's private sendRequest (installed on the prototype below):
   * the stock one builds a node-fetch Request it never sends and goes through WHATWG fetch; this
   * one posts with undici's request API on the shared pool. Same results and errors.
   */
  async fastSendRequest(request: { http?: { url: string; headers: Iterable<[string, string]> } } & Record<string, unknown>, context: GatewayContext) {
    const { http, ...withoutHttp } = request;
    if (!http) throw new Error("Internal error: Only 'http' requests are supported.");
    const headers: Record<string, string> = {};
    for (const [k, v] of http.headers) headers[k] = v;
    let response: SubgraphResponse | undefined;
    try {
      const payload = JSON.stringify(withoutHttp);
      const send = async (): Promise<RawResponse> => {
        const res = await agent.request({ origin: this.origin, path: this.path, method: 'POST', headers, body: payload });
        return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
      };
      let raw: RawResponse;
      if (typeof withoutHttp.query === 'string' && !/^\s*mutation\b/.test(withoutHttp.query)) {
        const key = `${this.origin}${this.path}\n${identityOf(headers)}\n${payload}`;
        let pending = inFlight.get(key);
        if (!pending) {
          pending = send().finally(() => inFlight.delete(key));
          inFlight.set(key, pending);
        }
        raw = await pending;
      } else {
        raw = await send();
      }
      response = new SubgraphResponse(http.url, raw.status, raw.headers, raw.text);
      const body = response.ok ? await this.parseBody(response as never) : graphqlErrors(response);
      if (!response.ok && !body) throw await this.errorFromResponse(response as never);
      if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new Error(`Expected JSON response body, but received: ${body}`);
      (body as { http?: unknown }).http = response;
      return body as Record<string, unknown> & { http: SubgraphResponse };
    } catch (error) {
      this.didEncounterError(error as Error, undefined as never, response as never, context, request as never);
      throw error;
    }
  }
}
(SignedDataSource.prototype as unknown as { sendRequest: unknown }).sendRequest = SignedDataSource.prototype.fastSendRequest;

export async function closeAgent(): Promise<void> {
  await agent.close();
}
