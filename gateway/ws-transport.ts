import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { CloseCode, handleProtocols, type Server, type WebSocket as GraphqlWsSocket } from 'graphql-ws';
import { WebSocketServer, type RawData, type ServerOptions, type WebSocket } from 'ws';
import type { Logger } from 'pino';

/**
 * graphql-ws's protocol server (`makeServer`, its transport-neutral core: connection_init/ack,
 * subscribe/next/error/complete, ping/pong, the init timeout and its close codes) on `ws`, bound
 * here instead of by graphql-ws's own `useServer`. The protocol stays the library's; what
 * `useServer` costs per socket for the life of the socket does not:
 *
 * - it keeps the upgrade request (headers, raw headers, its socket) in `ctx.extra.request`; here
 *   the caller reads what it needs from the request (the client's address) when the socket opens,
 *   and the request is dropped;
 * - it runs a `setInterval` of its own per socket for keep-alive pings, and at each ping a
 *   `setTimeout` and a `once('pong')` listener; here one timer pings the sockets in GROUPS groups,
 *   one group per tick, so each socket is pinged once per interval and terminated when its pong
 *   has not come by its next ping (the same allowance as useServer's: one interval);
 * - it makes closures per socket for `send`, `close`, `onMessage` and the socket's events; here a
 *   socket's state is one small object, and the `ws` listeners are shared by every socket.
 *
 * Closing on dispose is useServer's: every socket with 1001 (Going away), then the server.
 */

/** Keep-alive groups: one is pinged every interval / GROUPS. */
const GROUPS = 10;

/** One socket: what graphql-ws's server talks to, and the keep-alive state. */
class Connection implements GraphqlWsSocket {
  handler: ((data: string) => Promise<void>) | undefined;
  closed: ((code?: number, reason?: string) => Promise<void>) | undefined;
  awaitingPong = false;

  constructor(
    readonly socket: WebSocket,
    readonly group: number,
  ) {}

  get protocol(): string {
    return this.socket.protocol;
  }

  send(data: string): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.socket.readyState !== this.socket.OPEN) return resolve();
      this.socket.send(data, (err) => (err ? reject(err) : resolve()));
    });
  }

  close(code?: number, reason?: string): void {
    this.socket.close(code, reason);
  }

  onMessage(cb: (data: string) => Promise<void>): void {
    this.handler = cb;
  }
}

export interface GraphqlWsTransportOptions<E> {
  /** graphql-ws's server (`makeServer(options)`). */
  server: Server<E>;
  /** `ws` server options; the subprotocol negotiation is graphql-ws's. */
  ws: Omit<ServerOptions, 'noServer' | 'server' | 'port' | 'handleProtocols'>;
  /** Interval of the WebSocket pings (0 = none). */
  keepAliveMs: number;
  /** What the server keeps of the socket (`ctx.extra`), read from the upgrade request once. */
  extra: (socket: WebSocket, req: http.IncomingMessage) => E;
  log: Logger;
}

export class GraphqlWsTransport<E> {
  readonly wss: WebSocketServer;
  private readonly connections = new Map<WebSocket, Connection>();
  private readonly groups: Array<Set<Connection>> = Array.from({ length: GROUPS }, () => new Set());
  private opened = 0;
  private tick = 0;
  private readonly timer: NodeJS.Timeout | undefined;
  // Shared by every socket: `ws` calls its listeners with the socket as `this`.
  private readonly listeners: {
    message: (this: WebSocket, data: RawData) => void;
    close: (this: WebSocket, code: number, reason: Buffer) => void;
    error: (this: WebSocket, err: Error) => void;
    pong: (this: WebSocket) => void;
  };

  constructor(private readonly opts: GraphqlWsTransportOptions<E>) {
    this.wss = new WebSocketServer({ ...opts.ws, noServer: true, handleProtocols });
    const transport = this;
    this.listeners = {
      message(data) {
        transport.message(this, data);
      },
      close(code, reason) {
        transport.closed(this, code, String(reason));
      },
      error(err) {
        opts.log.warn({ err }, 'websocket error');
        this.close(CloseCode.InternalServerError, 'Internal server error');
      },
      pong() {
        const conn = transport.connections.get(this);
        if (conn) conn.awaitingPong = false;
      },
    };
    if (opts.keepAliveMs > 0 && Number.isFinite(opts.keepAliveMs)) {
      this.timer = setInterval(() => this.pingGroup(), Math.max(1, Math.floor(opts.keepAliveMs / GROUPS)));
    }
  }

  get size(): number {
    return this.connections.size;
  }

  /** Takes an HTTP upgrade request over as a graphql-ws socket. */
  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.open(ws, this.opts.extra(ws, req)));
  }

  private open(socket: WebSocket, extra: E): void {
    const conn = new Connection(socket, this.opened++ % GROUPS);
    this.connections.set(socket, conn);
    this.groups[conn.group]!.add(conn);
    socket.on('message', this.listeners.message);
    socket.once('close', this.listeners.close);
    socket.on('error', this.listeners.error);
    socket.on('pong', this.listeners.pong);
    conn.closed = this.opts.server.opened(conn, extra);
  }

  private message(socket: WebSocket, data: RawData): void {
    const handler = this.connections.get(socket)?.handler;
    if (!handler) return;
    handler(String(data)).catch((err: unknown) => {
      this.opts.log.error({ err }, 'websocket message handling failed');
      socket.close(CloseCode.InternalServerError, 'Internal server error');
    });
  }

  private closed(socket: WebSocket, code: number, reason: string): void {
    const conn = this.connections.get(socket);
    if (!conn) return;
    this.connections.delete(socket);
    this.groups[conn.group]!.delete(conn);
    conn.closed?.(code, reason).catch((err: unknown) => this.opts.log.error({ err }, 'websocket close handling failed'));
  }

  /** Pings one group; a socket that has not answered the previous ping is terminated. */
  private pingGroup(): void {
    const group = this.groups[this.tick++ % GROUPS]!;
    for (const conn of group) {
      if (conn.awaitingPong) {
        conn.socket.terminate();
        continue;
      }
      if (conn.socket.readyState !== conn.socket.OPEN) continue;
      conn.awaitingPong = true;
      conn.socket.ping();
    }
  }

  /** Closes every socket with 1001 (Going away) and the server once they are gone. */
  async dispose(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const socket of this.wss.clients) socket.close(1001, 'Going away');
    await new Promise<void>((resolve, reject) => this.wss.close((err) => (err ? reject(err) : resolve())));
  }
}
