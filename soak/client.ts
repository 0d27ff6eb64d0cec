import { signSandboxBody } from '../subgraphs/payment/provider/sandbox.js';

/** What the soak's clients see of one GraphQL call: a network failure is a result too (code NETWORK). */
export interface GqlReply<T = any> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export const codeOf = (r: GqlReply): string | undefined => r.errors?.[0]?.extensions?.code;

/**
 * POSTs one operation to a gateway as an app would. The timeout is longer than the proxy's stalls
 * (the order service gives up on the homestay service after 10 s), so a client sees the product's
 * answer to a timeout, not its own.
 */
export async function gql<T = any>(url: string, query: string, variables: Record<string, unknown> = {}, token?: string, timeoutMs = 30_000): Promise<GqlReply<T>> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    try {
      return { status: res.status, ...(JSON.parse(text) as Omit<GqlReply<T>, 'status'>) };
    } catch {
      return { status: res.status, errors: [{ message: text.slice(0, 200), extensions: { code: `HTTP_${res.status}` } }] };
    }
  } catch (err) {
    return { status: 0, errors: [{ message: (err as Error).message, extensions: { code: 'NETWORK' } }] };
  }
}

export type NoticeStatus = 'SUCCESS' | 'FAILED' | 'REFUND';

/**
 * The sandbox provider calling back through a gateway (signed with PAYMENT_SANDBOX_SECRET). Like a
 * real provider it calls again while the platform does not acknowledge the notice (anything but
 * 200 `SUCCESS`: a gateway still starting answers 404, a payment process down 502), a few times
 * with a growing pause.
 */
export async function sandboxCallback(
  gatewayUrls: () => string,
  notice: { paymentSn: string; amount: number; status: NoticeStatus },
  secret: string,
  attempts = 8,
): Promise<{ status: number; text: string; attempts: number }> {
  const body = JSON.stringify({ transactionId: `TX${notice.paymentSn}`, ...notice });
  let last = { status: 0, text: '' };
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const res = await fetch(`${gatewayUrls()}/payments/notify/sandbox`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'X-Sandbox-Signature': signSandboxBody(body, secret) },
        body,
        signal: AbortSignal.timeout(20_000),
      });
      last = { status: res.status, text: await res.text() };
      if (res.status === 200) return { ...last, attempts: attempt };
    } catch (err) {
      last = { status: 0, text: (err as Error).message };
    }
    await new Promise((r) => setTimeout(r, Math.min(4_000, 1_000 * attempt)));
  }
  return { ...last, attempts };
}
