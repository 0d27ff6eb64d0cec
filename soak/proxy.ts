import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Rng } from './rng.js';

/**
 * An HTTP proxy in front of the homestay service, on the path the order service (and the order
 * domain in the jobs processes) reaches it by. The fault schedule switches its mode:
 * - `pass`: forwards every call;
 * - `stall`: holds most calls longer than the callers' 10 s timeout, then forwards them anyway,
 *   so the homestay service does the work after the caller gave up (a late reserve or release);
 * - `drop`: cuts the connection of half the calls, either before forwarding (nothing happened)
 *   or after the homestay service answered (it happened, but the caller never hears so).
 * Decisions are per request (HTTP, not TCP), since callers keep connections alive across calls.
 */
export type ProxyMode = 'pass' | 'stall' | 'drop';

export class HomestayProxy {
  mode: ProxyMode = 'pass';
  /** The homestay service's base URL, set once it runs (its port is known before it starts). */
  target = '';
  readonly counts = { forwarded: 0, stalled: 0, droppedBeforeForward: 0, droppedAfterAnswer: 0, upstreamDown: 0 };
  private server: http.Server | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Calls held or forwarded but not finished: the soak waits for them before it checks. */
  inFlight = 0;

  constructor(private readonly rng: Rng) {}

  async listen(port: number): Promise<void> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 4_000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
  }

  get port(): number {
    return (this.server!.address() as AddressInfo).port;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.inFlight += 1;
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks);
      const mode = this.mode;
      if (mode === 'drop' && this.rng.chance(0.25)) {
        this.counts.droppedBeforeForward += 1;
        req.socket.destroy();
        return;
      }
      if (mode === 'stall' && this.rng.chance(0.7)) {
        this.counts.stalled += 1;
        await this.sleep(this.rng.int(10_500, 13_500));
      }
      const answer = await this.forward(req, body);
      if (!answer) {
        this.counts.upstreamDown += 1;
        if (!res.destroyed) res.writeHead(502, { 'content-type': 'application/json' }).end('{"error":{"code":"BAD_GATEWAY","message":"homestay unreachable"}}');
        return;
      }
      if (mode === 'drop' && this.rng.chance(0.33)) {
        this.counts.droppedAfterAnswer += 1;
        req.socket.destroy();
        return;
      }
      this.counts.forwarded += 1;
      if (!res.destroyed) res.writeHead(answer.status, answer.headers).end(answer.body);
    } catch {
      if (!res.destroyed) res.destroy();
    } finally {
      this.inFlight -= 1;
    }
  }

  private forward(req: http.IncomingMessage, body: Buffer): Promise<{ status: number; headers: http.OutgoingHttpHeaders; body: Buffer } | null> {
    const target = new URL(this.target);
    return new Promise((resolve) => {
      const headers = { ...req.headers, host: target.host, 'content-length': String(body.length) };
      delete headers.connection;
      const up = http.request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers, timeout: 30_000, agent: false },
        (upRes) => {
          const chunks: Buffer[] = [];
          upRes.on('data', (c: Buffer) => chunks.push(c));
          upRes.on('end', () => {
            const h = { ...upRes.headers };
            delete h.connection;
            delete h['keep-alive'];
            delete h['transfer-encoding'];
            resolve({ status: upRes.statusCode ?? 502, headers: h, body: Buffer.concat(chunks) });
          });
          upRes.on('error', () => resolve(null));
        },
      );
      up.on('timeout', () => up.destroy());
      up.on('error', () => resolve(null));
      up.end(body);
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
}
