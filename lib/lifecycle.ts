import type { Logger } from 'pino';
import { config } from './config.js';

type Closer = () => Promise<unknown> | unknown;
const closers: Closer[] = [];
let installed = false;

/**
 * Registers work to do on SIGINT/SIGTERM, run last-registered first (servers stop taking requests
 * before their connections close). The process exits 0 once every closer is done; a shutdown that
 * outlasts SHUTDOWN_TIMEOUT (a job that never ends, a peer that never answers) exits 1 then, so a
 * rolling update is never held up longer than the orchestrator's grace period. A second signal
 * exits at once.
 */
export function onShutdown(closer: Closer, log?: Logger): void {
  closers.unshift(closer);
  if (installed) return;
  installed = true;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    const timeoutMs = config().shutdownTimeoutMs;
    log?.info({ signal, timeoutMs }, 'shutting down');
    setTimeout(() => {
      log?.error({ timeoutMs }, 'shutdown did not finish in time; exiting');
      process.exit(1);
    }, timeoutMs).unref();
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
