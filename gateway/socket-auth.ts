import type { WebSocket } from 'ws';
import type { Context as WsContext } from 'graphql-ws';
import { bearerToken, verifyAccessToken } from '../lib/jwt.js';
import { SocketLimits, UserSockets } from './socket-limits.js';

/**
 * Who may hold a graphql-ws socket at the gateway: the connection is authenticated once by its
 * connection params `{ authorization: "Bearer …" }` (the token is checked again at each subscribe),
 * and one user holds at most so many sockets per gateway process.
 */

/** WebSocket close codes of this server (graphql-ws's own codes otherwise). */
export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_FORBIDDEN = 4403;
/** graphql-ws's "too many requests" code, which its client does not retry on its own. */
export const CLOSE_TOO_MANY = 4429;

/** What the gateway keeps on an accepted socket. */
export type ConnectionState = {
  /** The client's address when the socket opened (per-address limits). */
  clientIp?: string;
  token?: string;
  userId?: string;
  limits?: SocketLimits;
};
/** The socket and what the gateway keeps on it; not the upgrade request, which dies once read. */
export type SocketExtra = { socket: WebSocket } & ConnectionState;
export type SocketCtx = WsContext<Record<string, unknown> | undefined, SocketExtra>;

export interface SocketAuthLimits {
  /** Operations one socket may hold at once (SUBSCRIPTION_MAX_PER_CONNECTION). */
  maxPerConnection: number;
  /** New operations per second past the first burst (SUBSCRIPTION_SUBSCRIBE_RATE, 0 = off). */
  subscribeRate: number;
  /** Sockets per user in this process (SUBSCRIPTION_MAX_CONNECTIONS_PER_USER, 0 = no limit). */
  maxConnectionsPerUser: number;
}

/** Admits and counts the sockets of one gateway process; the graphql-ws onConnect and onDisconnect hooks. */
export class SocketAuth {
  private connections = 0;
  private readonly sockets = new Set<SocketLimits>();
  private readonly userSockets: UserSockets;

  constructor(private readonly limits: SocketAuthLimits) {
    this.userSockets = new UserSockets(limits.maxConnectionsPerUser);
  }

  /** Accepts the socket (true) or closes it with the code that says why (false). */
  async connect(ctx: SocketCtx): Promise<boolean> {
    const raw = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
    const token = bearerToken(typeof raw === 'string' ? raw : undefined);
    if (!token) {
      ctx.extra.socket.close(CLOSE_UNAUTHORIZED, 'Unauthorized: connection params carry no authorization');
      return false;
    }
    let userId: string;
    try {
      userId = await verifyAccessToken(token);
    } catch {
      ctx.extra.socket.close(CLOSE_FORBIDDEN, 'Forbidden: invalid or expired access token');
      return false;
    }
    if (!this.userSockets.acquire(userId)) {
      ctx.extra.socket.close(CLOSE_TOO_MANY, `Too many connections: at most ${this.limits.maxConnectionsPerUser} per user`);
      return false;
    }
    ctx.extra.userId = userId;
    ctx.extra.token = token;
    ctx.extra.limits = new SocketLimits(this.limits.maxPerConnection, this.limits.subscribeRate);
    this.sockets.add(ctx.extra.limits);
    this.connections += 1;
    return true;
  }

  /** An accepted socket closed: its operations are cancelled and its slots freed. */
  disconnect(ctx: SocketCtx): void {
    this.connections -= 1;
    ctx.extra.limits?.cancelAll();
    this.sockets.delete(ctx.extra.limits!);
    this.userSockets.release(ctx.extra.userId!);
  }

  /** Whether the socket's token is still valid; the token may have expired since the socket opened, which closes it. */
  async stillAuthorized(ctx: SocketCtx): Promise<boolean> {
    try {
      await verifyAccessToken(ctx.extra.token!);
      return true;
    } catch {
      ctx.extra.socket.close(CLOSE_FORBIDDEN, 'Forbidden: access token expired');
      return false;
    }
  }

  stats(): { connections: number; users: number; operations: number } {
    let operations = 0;
    for (const socket of this.sockets) operations += socket.size;
    return { connections: this.connections, users: this.userSockets.users, operations };
  }
}
