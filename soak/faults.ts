import type { ProcessName } from '../test/support/stack.js';
import { label, type Cluster, type Side, type Target } from './cluster.js';
import type { Ledger } from './ledger.js';
import type { Rng } from './rng.js';

/**
 * The fault schedule, drawn from the seed before the traffic starts: crashes (SIGKILL) and
 * restarts of the jobs, payment, order and homestay processes, the Kafka broker stopped and
 * started, the homestay proxy stalling or dropping calls, and a gateway restarted while
 * subscribers are connected. Faults may overlap; two faults on the same thing take turns.
 */
export type FaultKind = 'kill jobs' | 'kill payment' | 'kill order' | 'kill homestay' | 'kafka outage' | 'proxy stall' | 'proxy drop' | 'gateway restart';
const KINDS: FaultKind[] = ['kill jobs', 'kill payment', 'kill order', 'kill homestay', 'kafka outage', 'proxy stall', 'proxy drop', 'gateway restart'];

export interface Fault {
  /** Milliseconds after the traffic starts. */
  at: number;
  kind: FaultKind;
  /** The process hit (kills and restarts). */
  target?: Target;
  signal?: NodeJS.Signals;
  /** How long the thing stays down (or the proxy misbehaves). */
  durationMs: number;
}

/** About one fault every 8 s, every kind at least once, in a shuffled order. */
export function faultSchedule(rng: Rng, trafficMs: number): Fault[] {
  const count = Math.max(KINDS.length, Math.round(trafficMs / 8_000));
  const deck: FaultKind[] = [];
  while (deck.length < count) {
    const round = [...KINDS];
    for (let i = round.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [round[i], round[j]] = [round[j]!, round[i]!];
    }
    deck.push(...round);
  }
  // Leave the first seconds to the traffic and end early enough for the last fault to finish.
  const start = Math.min(5_000, trafficMs * 0.1);
  const span = Math.max(1_000, trafficMs - start - 8_000);
  const slot = span / count;
  return deck.slice(0, count).map((kind, i) => {
    const at = Math.round(start + i * slot + rng.next() * slot * 0.6);
    const side = rng.pick<Side>(['A', 'B']);
    const kill = (name: ProcessName, s: Side = 'A'): Fault => ({ at, kind, target: { side: s, name }, signal: 'SIGKILL', durationMs: rng.int(300, 4_000) });
    switch (kind) {
      case 'kill jobs':
        return kill('jobs', side);
      case 'kill payment':
        return kill('payment', side);
      case 'kill order':
        return kill('order');
      case 'kill homestay':
        return kill('homestay');
      case 'gateway restart':
        return { at, kind, target: { side, name: 'gateway' }, signal: rng.chance(0.5) ? 'SIGKILL' : 'SIGTERM', durationMs: rng.int(300, 3_000) };
      case 'kafka outage':
        return { at, kind, durationMs: rng.int(5_000, 15_000) };
      case 'proxy stall':
        return { at, kind, durationMs: rng.int(6_000, 15_000) };
      case 'proxy drop':
        return { at, kind, durationMs: rng.int(4_000, 12_000) };
    }
  });
}

export function describeFault(f: Fault): string {
  const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
  if (f.target) return `${f.kind}: ${f.signal} ${label(f.target)}, back after ${secs(f.durationMs)}`;
  return `${f.kind} for ${secs(f.durationMs)}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

export class FaultInjector {
  /** One fault at a time per process, broker or proxy. */
  private readonly locks = new Map<string, Promise<void>>();
  readonly failures: string[] = [];

  constructor(
    private readonly cluster: Cluster,
    private readonly ledger: Ledger,
    private readonly log: (m: string) => void,
  ) {}

  /** Runs the schedule from `startedAt`; resolves once every fault is over and everything is back. */
  async run(schedule: Fault[], startedAt: number): Promise<void> {
    await Promise.all(
      schedule.map(async (f) => {
        await sleep(startedAt + f.at - Date.now());
        const key = f.target ? label(f.target) : f.kind.startsWith('proxy') ? 'proxy' : 'kafka';
        const before = this.locks.get(key) ?? Promise.resolve();
        const mine = before.then(() => this.inject(f, startedAt));
        this.locks.set(key, mine.catch(() => undefined));
        await mine.catch((err) => {
          const msg = `${describeFault(f)} failed: ${(err as Error).message.split('\n')[0]}`;
          this.failures.push(msg);
          this.log(`[fault] ${msg}`);
        });
      }),
    );
  }

  private async inject(f: Fault, startedAt: number): Promise<void> {
    const t = `t+${((Date.now() - startedAt) / 1000).toFixed(1)}s`;
    this.ledger.fault(f.kind);
    if (f.target) {
      let extra = '';
      if (f.target.name === 'gateway') extra = ` (${await this.subscriberCount(f.target.side)} subscriber connections open)`;
      this.log(`[fault ${t}] ${describeFault(f)}${extra}`);
      await this.cluster.stopProcess(f.target, f.signal!);
      await sleep(f.durationMs);
      const back = Date.now();
      await this.restart(f.target);
      this.log(`[fault t+${((Date.now() - startedAt) / 1000).toFixed(1)}s] ${label(f.target)} is back (${((Date.now() - back) / 1000).toFixed(1)}s to start)`);
      return;
    }
    this.log(`[fault ${t}] ${describeFault(f)}`);
    if (f.kind === 'kafka outage') {
      await this.cluster.stopBroker();
      await sleep(f.durationMs);
      await this.cluster.startBroker();
      this.log(`[fault t+${((Date.now() - startedAt) / 1000).toFixed(1)}s] Kafka is back`);
      return;
    }
    this.cluster.proxy.mode = f.kind === 'proxy stall' ? 'stall' : 'drop';
    await sleep(f.durationMs);
    this.cluster.proxy.mode = 'pass';
  }

  /** A process that does not come back within the stack's minute is tried once more. */
  private async restart(target: Target): Promise<void> {
    try {
      await this.cluster.startProcess(target);
    } catch (err) {
      this.log(`[fault] ${label(target)} did not come back (${(err as Error).message.split('\n')[0]}); trying again`);
      await this.cluster.stopProcess(target, 'SIGKILL');
      await this.cluster.startProcess(target);
    }
  }

  private async subscriberCount(side: Side): Promise<number | string> {
    try {
      const r = await fetch(`${this.cluster.gatewayUrl(side)}/healthz/subscriptions`, { signal: AbortSignal.timeout(3_000) });
      return ((await r.json()) as { connections: number }).connections;
    } catch {
      return '?';
    }
  }
}
