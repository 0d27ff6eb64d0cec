import type http from 'node:http';
import type express from 'express';

/**
 * The client's address as express's `req.ip` reads it under the app's 'trust proxy' (TRUST_PROXY):
 * the socket's peer, or the X-Forwarded-For entry that the trusted proxies vouch for. A WebSocket
 * upgrade never passes through express, so it is read through the same getter and both transports
 * agree on who the client is. IPv4 clients on a dual-stack socket (::ffff:a.b.c.d) count as a.b.c.d.
 */
export function clientAddress(app: express.Express, req: http.IncomingMessage): string {
  const view = Object.create(app.request, { headers: { value: req.headers }, socket: { value: req.socket } }) as express.Request;
  return normalize(view.ip);
}

/** `req.ip` of a request that went through express. */
export const requestAddress = (req: express.Request): string => normalize(req.ip);

const normalize = (ip: string | undefined) => (ip ? ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '') : 'unknown');
