import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';

export interface SupervisorOptions {
  name: string;
  command: string;
  args?: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Delay before the first restart; it doubles with each crash in a row, up to maxDelayMs. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** A child that stayed up this long was healthy: its crash restarts after minDelayMs again. */
  resetAfterMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL. */
  killAfterMs?: number;
  /** Each line the child writes on stdout or stderr. */
  onOutput?: (line: string) => void;
  /** The supervisor's own lines (exits, restarts, stop). */
  log?: (message: string) => void;
  onSpawn?: (child: ChildProcess) => void;
  onExit?: (exit: ChildExit) => void;
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  uptimeMs: number;
  /** Delay until the next start; null when the supervisor was stopping. */
  restartInMs: number | null;
}

const seconds = (ms: number) => `${Math.round(ms / 10) / 100}s`;

/**
 * Runs one child process and starts it again whenever it exits, with exponential backoff, until
 * stop(): a crashed process of `npm start` comes back instead of taking the others down, and one
 * that keeps crashing (a bad setting, a port in use) does not spin the CPU.
 */
export class Supervisor {
  private current: ChildProcess | undefined;
  private startedAt = 0;
  private crashesInARow = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private exited: Promise<void> = Promise.resolve();
  private readonly o: Required<Pick<SupervisorOptions, 'minDelayMs' | 'maxDelayMs' | 'resetAfterMs' | 'killAfterMs'>> & SupervisorOptions;

  constructor(options: SupervisorOptions) {
    this.o = { minDelayMs: 500, maxDelayMs: 30_000, resetAfterMs: 60_000, killAfterMs: 10_000, ...options };
  }

  get name(): string {
    return this.o.name;
  }

  /** The running child, if any (undefined while waiting to restart and after stop()). */
  get child(): ChildProcess | undefined {
    return this.current;
  }

  start(): void {
    if (this.stopping || this.current) return;
    // Its own process group: Ctrl-C in a terminal reaches only the supervising process, which then
    // stops each child once with SIGTERM (a second signal would make a child skip its clean shutdown).
    const child = spawn(this.o.command, this.o.args ?? [], { cwd: this.o.cwd, env: this.o.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.current = child;
    this.startedAt = Date.now();
    for (const stream of [child.stdout!, child.stderr!]) this.forwardLines(stream);
    let done!: () => void;
    this.exited = new Promise((r) => (done = r));
    let handled = false;
    const onGone = (code: number | null, signal: NodeJS.Signals | null) => {
      if (handled) return;
      handled = true;
      this.current = undefined;
      this.exitedWith(code, signal);
      done();
    };
    child.once('exit', onGone);
    // A child that could not be spawned at all emits only 'error'.
    child.once('error', (err) => {
      this.o.log?.(`could not start: ${err.message}`);
      onGone(null, null);
    });
    this.o.onSpawn?.(child);
  }

  /** Stops the child (SIGTERM, SIGKILL after killAfterMs) and any pending restart, for good. */
  async stop(): Promise<void> {
    const firstCall = !this.stopping;
    this.stopping = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const child = this.current;
    if (child) {
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), this.o.killAfterMs);
      await this.exited;
      clearTimeout(kill);
    }
    if (firstCall) this.o.log?.('stopped');
  }

  private exitedWith(code: number | null, signal: NodeJS.Signals | null): void {
    const uptimeMs = Date.now() - this.startedAt;
    const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
    if (this.stopping) {
      this.o.onExit?.({ code, signal, uptimeMs, restartInMs: null });
      return;
    }
    if (uptimeMs >= this.o.resetAfterMs) this.crashesInARow = 0;
    const delay = Math.min(this.o.maxDelayMs, this.o.minDelayMs * 2 ** this.crashesInARow);
    this.crashesInARow += 1;
    this.o.log?.(`${how} after ${seconds(uptimeMs)}; restarting in ${seconds(delay)} (restart ${this.crashesInARow} in a row)`);
    this.o.onExit?.({ code, signal, uptimeMs, restartInMs: delay });
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.start();
    }, delay);
  }

  private forwardLines(stream: Readable): void {
    let buffered = '';
    stream.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) this.o.onOutput?.(line);
    });
    stream.on('end', () => {
      if (buffered) this.o.onOutput?.(buffered);
      buffered = '';
    });
  }
}
