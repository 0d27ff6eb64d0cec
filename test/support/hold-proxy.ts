import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP proxy in front of one product process that can stall a call deterministically: the
 * request reaches the real process at once, and its reply is held back until the test lets it
 * go. So a test can stop a process between a remote step and the next one without any test
 * switch inside the product. Anything not held passes straight through.
 */
export interface HeldCall {
  /** Resolves once a matching request has been answered by the target: its JSON body and the reply status. */
  readonly answered: Promise<{ body: any; status: number }>;
  /** Sends the held reply to the caller. */
  release(): void;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'content-encoding', 'host']);

export class HoldProxy {
  private target: string | null = null;
  private readonly holds: { path: string; resolve: (v: { body: any; status: number }) => void; gate: Promise<void> }[] = [];

  private constructor(private readonly server: Server) {}

  static async start(): Promise<HoldProxy> {
    const server = createServer();
    const proxy = new HoldProxy(server);
    server.on('request', (req, res) => void proxy.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Where requests go; until it is set the proxy answers 503 (the target's port is known late). */
  setTarget(url: string): void {
    this.target = url;
  }

  /** Holds the reply of the next request to `path`. */
  hold(path: string): HeldCall {
    let resolve!: (v: { body: any; status: number }) => void;
    let release!: () => void;
    const answered = new Promise<{ body: any; status: number }>((r) => (resolve = r));
    const gate = new Promise<void>((r) => (release = r));
    this.holds.push({ path, resolve, gate });
    return { answered, release };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    if (!this.target) {
      res.writeHead(503).end();
      return;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k) && typeof v === 'string') headers[k] = v;
    let upstream: Response;
    try {
      upstream = await fetch(`${this.target}${req.url}`, {
        method: req.method,
        headers,
        body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body,
      });
    } catch {
      res.writeHead(502).end();
      return;
    }
    const reply = Buffer.from(await upstream.arrayBuffer());
    const i = this.holds.findIndex((h) => req.url === h.path || req.url?.startsWith(`${h.path}?`));
    if (i >= 0) {
      const [held] = this.holds.splice(i, 1);
      held!.resolve({ body: body.length ? JSON.parse(body.toString()) : null, status: upstream.status });
      await held!.gate;
    }
    const out: Record<string, string> = {};
    upstream.headers.forEach((v, k) => {
      if (!HOP_BY_HOP.has(k)) out[k] = v;
    });
    res.writeHead(upstream.status, out).end(reply);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
