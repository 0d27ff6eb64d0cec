import type { Logger } from 'pino';

type Closer = () => Promise<unknown> | unknown;
const closers: Closer[] = [];
let installed = false;

/**
 * Registers work to do on SIGINT/SIGTERM, run last-registered first (servers stop taking requests
 * before their connections close). A second signal exits at once.
 */
export function onShutdown(closer: Closer, log?: Logger): void {
  closers.unshift(closer);
  if (installed) return;
  installed = true;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    log?.info({ signal }, 'shutting down');
    for (const close of closers) {
      try {
        await close();
      } catch (err) {
        log?.error({ err }, 'error while shutting down');
      }
    }
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
