import { Agent } from 'undici';

/**
 * How the gateway's requests reach its subgraphs: one keep-alive pool for all of them, and
 * identical queries in flight at the same moment sharing one HTTP call.
 */

/**
 * Query plans fan out to several subgraphs per request, and a fresh TCP connection each time
 * would cost more than the call itself. A few dozen sockets per subgraph keep up with the
 * gateway's event loop; hundreds only cost connects.
 */
// Idle sockets are dropped well before common server keep-alive timeouts (Node's default is 5 s),
// so a request is never written to a socket the subgraph is closing ("other side closed").
const agent = new Agent({ keepAliveTimeout: 4_000, keepAliveMaxTimeout: 60_000, keepAliveTimeoutThreshold: 2_000, connections: 64, pipelining: 1 });

export interface SubgraphReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * Identical subgraph queries in flight at the same moment share one HTTP call (as Hive Gateway
 * does): same subgraph, same body, same signed caller header. Each caller parses its own copy of
 * the text (the gateway merges results in place).
 */
const inFlight = new Map<string, Promise<SubgraphReply>>();

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
 * POSTs `body` to the subgraph at `origin` + `path`. With `shareable` (never for a mutation), a
 * caller whose request is identical to one in flight gets that request's reply.
 */
export function postToSubgraph(origin: string, path: string, headers: Record<string, string>, body: string, shareable: boolean): Promise<SubgraphReply> {
  const send = async (): Promise<SubgraphReply> => {
    const res = await agent.request({ origin, path, method: 'POST', headers, body });
    return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
  };
  if (!shareable) return send();
  const key = `${origin}${path}\n${identityOf(headers)}\n${body}`;
  let pending = inFlight.get(key);
  if (!pending) {
    pending = send().finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  return pending;
}

/**
 * POSTs raw bytes to a route of a subgraph's process (the payment provider's callback) on the same
 * pool, with its reply as bytes: undici's request() rather than the global fetch, whose WHATWG
 * streams cost a proxied callback more CPU than a whole GraphQL request (bench/payments.ts).
 */
export async function postBytes(url: string, headers: Record<string, string>, body: Buffer, timeoutMs: number): Promise<{ status: number; contentType: string | undefined; body: Buffer }> {
  const { origin, pathname, search } = new URL(url);
  const res = await agent.request({ origin, path: `${pathname}${search}`, method: 'POST', headers, body, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const type = res.headers['content-type'];
  return { status: res.statusCode, contentType: Array.isArray(type) ? type[0] : type, body: Buffer.from(await res.body.arrayBuffer()) };
}

/** A reply in the shape of a fetch Response, as RemoteGraphQLDataSource's public methods read it (status, headers.get, json/text). */
export class SubgraphResponse {
  readonly status: number;
  readonly body: string;
  readonly statusText = '';

  constructor(
    readonly url: string,
    private readonly reply: SubgraphReply,
  ) {
    this.status = reply.status;
    this.body = reply.text;
  }
  get ok() {
    return this.status >= 200 && this.status < 300;
  }
  readonly headers = {
    get: (name: string): string | null => {
      const v = this.reply.headers[name.toLowerCase()];
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

export async function closeAgent(): Promise<void> {
  await agent.close();
}

/** `objectJson` (a JSON object) with one more member, whose value is JSON already. */
export function withMember(objectJson: string, name: string, valueJson: string): string {
  return `${objectJson.length > 2 ? `${objectJson.slice(0, -1)},` : '{'}${JSON.stringify(name)}:${valueJson}}`;
}

type Expand = <R extends { data?: unknown; errors?: unknown }>(result: R) => R;

/**
 * A fetch's variables as JSON, with every entity of an entity fetch once. The gateway sends one
 * representation per place an entity appears in the result (a page of 20 homestays of 4 landlords
 * asks the user subgraph for 20 users); the subgraph is sent the distinct ones, and `expand` gives
 * the gateway back one `_entities` item per representation it sent, in its order, with errors on
 * each place their entity appears. Repeated items are copies: the gateway merges into and rewrites
 * each in place. The JSON of the representations is made once, from the JSON that tells them apart
 * (serializing them was a tenth of the gateway's CPU on bench/federation's TestQuery).
 */
export function encodeVariables(variables: Record<string, unknown> | undefined): { json: string; expand: Expand | null } {
  const representations = variables?.representations;
  if (!Array.isArray(representations) || representations.length < 2) return { json: JSON.stringify(variables ?? null), expand: null };
  const slotOf = new Map<string, number>();
  const unique: string[] = [];
  const slots = representations.map((r) => {
    const key = JSON.stringify(r) ?? 'null';
    let slot = slotOf.get(key);
    if (slot === undefined) slotOf.set(key, (slot = unique.push(key) - 1));
    return slot;
  });
  const { representations: _all, ...others } = variables!;
  const json = withMember(JSON.stringify(others), 'representations', `[${unique.join(',')}]`);
  if (unique.length === representations.length) return { json, expand: null };
  const expand: Expand = (result) => {
    const data = result.data as { _entities?: unknown } | null | undefined;
    const entities = data?._entities;
    const used = new Set<number>();
    if (Array.isArray(entities) && entities.length === unique.length) {
      data!._entities = slots.map((slot) => {
        const entity = entities[slot];
        if (!used.has(slot)) return used.add(slot), entity;
        return copyJson(entity);
      });
    }
    if (Array.isArray(result.errors)) {
      result.errors = result.errors.flatMap((error: { path?: unknown[] }) => {
        const at = error?.path;
        if (!Array.isArray(at) || at[0] !== '_entities' || typeof at[1] !== 'number') return [error];
        return slots.flatMap((slot, i) => (slot === at[1] ? [{ ...error, path: ['_entities', i, ...at.slice(2)] }] : []));
      });
    }
    return result;
  };
  return { json, expand };
}

/**
 * A deep copy of parsed JSON (objects, arrays, scalars): 6-10 times cheaper than a JSON round trip
 * on entities (bench/federation's TestQuery repeats most of its entities).
 */
function copyJson(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copyJson);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = copyJson((value as Record<string, unknown>)[key]);
    // A "__proto__" key is data in parsed JSON; assigning it would set the copy's prototype instead.
    if (key === '__proto__') Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
    else out[key] = v;
  }
  return out;
}
