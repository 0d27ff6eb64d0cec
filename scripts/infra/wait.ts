import net from 'node:net';
import { existsSync } from 'node:fs';
import { PROJECT_ROOT as projectRoot } from '../processes.js';

export class InfraError extends Error {}

export function portOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, intervalMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new InfraError(`${what} did not become ready within ${Math.round(timeoutMs / 1000)}s`);
}

export const isLocalHost = (host: string) => ['127.0.0.1', 'localhost', '::1'].includes(host);

export function which(...candidates: string[]): string | undefined {
  for (const c of candidates) {
    if (c.includes('/') && existsSync(c)) return c;
    for (const dir of (process.env.PATH ?? '').split(':')) {
      if (dir && existsSync(`${dir}/${c}`)) return `${dir}/${c}`;
    }
  }
  return undefined;
}

/** The project directory with a trailing slash (also right when this runs compiled from dist/). */
export const PROJECT_ROOT = `${projectRoot}/`;
