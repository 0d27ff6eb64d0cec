import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP proxy in front of one product process that can stall a call deterministically: the
 * request reaches the real process at once, and its reply is held back until the test lets it
 * go. So a test can stop a process between a remote step and the next one without any test
 * switch inside the product. Anything not held passes straight through.
 */
export interface HeldCall {
  /**
   * Resolves with the request's JSON body once a matching request came in, and with the target's
   * reply status once the target answered it (status 0 while the request itself is held).
   */
  readonly answered: Promise<{ body: any; status: number }>;
  /** Lets the held request or reply go on. */
  release(): void;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'content-encoding', 'host']);

export class HoldProxy {
  private target: string | null = null;
  /** The path of every request that came in, in order (what a step cost in calls). */
  readonly paths: string[] = [];
  private readonly holds: { path: string; request: boolean; resolve: (v: { body: any; status: number }) => void; gate: Promise<void> }[] = [];

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

  /** Holds the reply of the next request to `path` or, with `request`, the request before it reaches the target. */
  hold(path: string, { request = false }: { request?: boolean } = {}): HeldCall {
    let resolve!: (v: { body: any; status: number }) => void;
    let release!: () => void;
    const answered = new Promise<{ body: any; status: number }>((r) => (resolve = r));
    const gate = new Promise<void>((r) => (release = r));
    this.holds.push({ path, request, resolve, gate });
    return { answered, release };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    this.paths.push(req.url ?? '');
    if (!this.target) {
      res.writeHead(503).end();
      return;
    }
    const match = (request: boolean) => {
      const i = this.holds.findIndex((h) => h.request === request && (req.url === h.path || req.url?.startsWith(`${h.path}?`)));
      return i >= 0 ? this.holds.splice(i, 1)[0]! : null;
    };
    const json = () => (body.length ? JSON.parse(body.toString()) : null);
    const heldRequest = match(true);
    if (heldRequest) {
      heldRequest.resolve({ body: json(), status: 0 });
      await heldRequest.gate;
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
    const heldReply = match(false);
    if (heldReply) {
      heldReply.resolve({ body: json(), status: upstream.status });
      await heldReply.gate;
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
