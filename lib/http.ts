import http from 'node:http';
import type express from 'express';
import { config } from './config.js';

/**
 * Starts an HTTP server whose keep-alive outlasts the callers' pools, so connections from the
 * gateway and from services are reused instead of being closed under them. Internal processes
 * take the configured HOST (loopback by default); the gateway passes its own public address.
 */
/** The HTTP server of an app, not yet listening (what must be wired to the server comes first). */
export function createServer(app: express.Express): http.Server {
  const server = http.createServer(app);
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return server;
}

/** Listens once everything is mounted: a port open earlier answers clients 404 while the process starts. */
export function listenOn(server: http.Server, port: number, host = config().host): Promise<http.Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

export function listen(app: express.Express, port: number, host = config().host): Promise<http.Server> {
  return listenOn(createServer(app), port, host);
}

export function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
