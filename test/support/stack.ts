import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PROCESS_ENTRIES, type ProcessName } from '../../scripts/processes.js';
import { freePorts } from './ports.js';

/**
 * The product's real processes (subgraphs, gateway, jobs), started as child processes on free
 * ports inside a test namespace, so that integration tests exercise the processes `npm start` runs.
 */
export type { ProcessName };

const ROOT = new URL('../../', import.meta.url).pathname;
/**
 * What a process is started from: STACK_BUILD, a folder of the product transpiled to JavaScript
 * (the test run's global setup and the soak make one with transpileProduct, for cheaper starts),
 * or the TypeScript sources through tsx.
 */
function entryArgs(name: ProcessName): string[] {
  const build = process.env.STACK_BUILD;
  return build ? ['--enable-source-maps', join(build, `${PROCESS_ENTRIES[name]}.js`)] : ['--import', 'tsx', `${PROCESS_ENTRIES[name]}.ts`];
}
/** Services first, gateway last: it loads the supergraph and calls the subgraphs. */
export const ALL_PROCESSES = Object.keys(PROCESS_ENTRIES) as ProcessName[];

/**
 * Every test and the soak send all their traffic from 127.0.0.1, register users by the hundred and
 * fail logins on purpose: the production limits would refuse them. These still run the limiter
 * (Redis) on every call; a test of the limits sets low ones on a stack of its own.
 */
export const GENEROUS_RATE_LIMITS = {
  RATE_LIMIT_IP_PER_MINUTE: '10000000',
  RATE_LIMIT_AUTH_PER_IP: '10000000',
  RATE_LIMIT_LOGIN_PER_MOBILE: '10000',
  RATE_LIMIT_PAY_PER_USER: '10000',
};

export interface StackOptions {
  namespace: string;
  env?: Record<string, string>;
  processes?: ProcessName[];
  /** Ports chosen by the test (free ones otherwise): a test that runs product code in its own process configures it with them first. */
  ports?: Partial<Record<ProcessName, number>>;
}

export class Stack {
  readonly env: Record<string, string>;
  private readonly children = new Map<ProcessName, ChildProcess>();

  private constructor(
    readonly namespace: string,
    readonly ports: Record<ProcessName, number>,
    env: Record<string, string>,
  ) {
    this.env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      NAMESPACE: namespace,
      ...Object.fromEntries(Object.entries(ports).map(([n, p]) => [`${n.toUpperCase()}_PORT`, String(p)])),
      ...GENEROUS_RATE_LIMITS,
      ...env,
    };
  }

  static async start(opts: StackOptions): Promise<Stack> {
    const ports = {} as Record<ProcessName, number>;
    const every = ALL_PROCESSES;
    const picked = await freePorts(every.length);
    for (const [i, name] of every.entries()) ports[name] = opts.ports?.[name] ?? picked[i]!;
    const stack = new Stack(opts.namespace, ports, opts.env ?? {});
    const names = opts.processes ?? ALL_PROCESSES;
    const services = names.filter((n) => n !== 'gateway');
    try {
      await Promise.all(services.map((n) => stack.startProcess(n)));
      if (names.includes('gateway')) await stack.startProcess('gateway');
    } catch (err) {
      await stack.close();
      throw err;
    }
    return stack;
  }

  get gatewayUrl(): string {
    return `http://127.0.0.1:${this.ports.gateway}`;
  }
  get graphqlUrl(): string {
    return `${this.gatewayUrl}/graphql`;
  }
  get wsUrl(): string {
    return `ws://127.0.0.1:${this.ports.gateway}/graphql`;
  }
  url(name: ProcessName): string {
    return `http://127.0.0.1:${this.ports[name]}`;
  }

  /** The pids of the running processes (benchmarks read their CPU time). */
  pids(): Record<string, number> {
    return Object.fromEntries([...this.children].filter(([, c]) => c.pid && c.exitCode === null).map(([n, c]) => [n, c.pid!]));
  }

  /** Starts one process and waits until its /healthz answers. */
  async startProcess(name: ProcessName, extraEnv: Record<string, string> = {}): Promise<void> {
    const logDir = `${ROOT}.data/test-logs`;
    mkdirSync(logDir, { recursive: true });
    const logFile = createWriteStream(`${logDir}/${this.namespace}-${name}-${this.ports[name]}.log`, { flags: 'a' });
    // STACK_NODE_ARGS: extra node flags for every process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`
    // (node refuses --cpu-prof in NODE_OPTIONS).
    const nodeArgs = process.env.STACK_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
    const child = spawn(process.execPath, [...nodeArgs, ...entryArgs(name)], {
      cwd: ROOT,
      env: { ...process.env, ...this.env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      logFile.write(chunk);
      output = (output + chunk.toString()).slice(-4000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.once('exit', () => logFile.end());
    this.children.set(name, child);
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} while starting:\n${output}`);
      try {
        const r = await fetch(`${this.url(name)}/healthz`);
        if (r.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    throw new Error(`${name} did not become healthy within 120s:\n${output}`);
  }

  /**
   * Stops one process: SIGTERM lets it shut down cleanly, SIGKILL simulates a crash. Resolves with
   * how it ended (exit code, or the signal that killed it) and how long it took.
   */
  async stopProcess(name: ProcessName, signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
    const child = this.children.get(name);
    this.children.delete(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return { code: child?.exitCode ?? null, signal: child?.signalCode ?? null, ms: 0 };
    const started = Date.now();
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>((resolve) =>
      child.once('exit', (code, sig) => resolve({ code, signal: sig, ms: Date.now() - started })),
    );
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const result = await exited;
    clearTimeout(timer);
    return result;
  }

  async restartProcess(name: ProcessName, extraEnv: Record<string, string> = {}): Promise<void> {
    await this.stopProcess(name);
    await this.startProcess(name, extraEnv);
  }

  async close(): Promise<void> {
    const order = [...this.children.keys()].sort((a) => (a === 'gateway' ? -1 : 1));
    for (const name of order) await this.stopProcess(name);
  }
}
