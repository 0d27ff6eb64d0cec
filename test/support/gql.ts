import { inject } from 'vitest';
import { CONTEXT_HEADER, signContext } from '../../lib/internal-auth.js';
import type { ProcessName } from './stack.js';

export interface GqlResult<T = any> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: { code?: string; argumentName?: string; [k: string]: unknown } }[];
}

/** URL of the shared test stack's gateway (started by the global setup). */
export const gatewayUrl = (): string => inject('gatewayUrl');
export const testNamespace = (): string => inject('namespace');
/** Base URL of one process of the shared test stack (a subgraph, say, to call it directly). */
export const processUrl = (name: ProcessName): string => `http://127.0.0.1:${inject('ports')[name]}`;
export const internalSecret = (): string => process.env.INTERNAL_SECRET ?? 'looklook-dev-internal-secret-change-me';

/** POSTs to a process's /internal API as service `as` would (signed context header); the reply's status and JSON body. */
export async function internalPost(name: ProcessName, path: string, body: unknown, as = 'test'): Promise<{ status: number; body: any }> {
  const res = await fetch(`${processUrl(name)}/internal${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [CONTEXT_HEADER]: signContext({ service: as }, internalSecret()) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => ({})) };
}

/** POSTs a GraphQL operation as a client app would. */
export async function gql<T = any>(
  query: string,
  variables: Record<string, unknown> = {},
  opts: { token?: string; url?: string; headers?: Record<string, string> } = {},
): Promise<GqlResult<T>> {
  const res = await fetch(opts.url ?? `${gatewayUrl()}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...opts.headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as Omit<GqlResult<T>, 'status'>;
  return { status: res.status, ...body };
}

export const errorCode = (r: GqlResult) => r.errors?.[0]?.extensions?.code;

let seq = 0;
/** A mobile number unique within this test run (mainland format). */
export function uniqueMobile(): string {
  seq += 1;
  const n = (Date.now() % 1e6) * 100 + ((process.pid + seq * 7919) % 100);
  return `19${String(n).padStart(9, '0').slice(-9)}`;
}

/** Registers a fresh user through the gateway (the shared stack's, or `url`) and returns its token and id. */
export async function signUp(nickname = 'Tester', url?: string): Promise<{ token: string; userId: string; mobile: string; password: string }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const mobile = uniqueMobile();
    const password = 'correct-horse-9';
    const r = await gql(
      `mutation($input: RegisterInput!) { register(input: $input) { accessToken user { id } } }`,
      { input: { mobile, password, nickname } },
      { url },
    );
    if (r.data?.register) return { token: r.data.register.accessToken, userId: r.data.register.user.id, mobile, password };
    if (errorCode(r) !== 'CONFLICT') throw new Error(`register failed: ${JSON.stringify(r.errors)}`);
  }
  throw new Error('could not find a free mobile number');
}
