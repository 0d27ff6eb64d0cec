import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrokerOptions } from '../scripts/infra/kafka.js';
import { freePort, freePorts } from '../test/support/ports.js';
import { Stack, type ProcessName } from '../test/support/stack.js';
import { removeStackBuild, useStackBuild } from '../test/support/transpile.js';
import { HomestayProxy } from './proxy.js';
import type { Rng } from './rng.js';

/**
 * The product's real processes for the soak, in a namespace of their own, with the duplicates the
 * issue asks for: stack A runs every process; stack B (same namespace, same databases, Redis and
 * Kafka) runs a second gateway, payment and jobs process and reaches A's user, homestay and order
 * services. The order service and both jobs processes reach the homestay service through the
 * fault proxy; the gateways reach it directly. Kafka is a private broker the soak stops and starts.
 */
export type Side = 'A' | 'B';
export interface Target {
  side: Side;
  name: ProcessName;
}
export const label = (t: Target) => `${t.name} ${t.side}`;

const A_PROCESSES: ProcessName[] = ['user', 'homestay', 'order', 'payment', 'jobs', 'gateway'];
const B_PROCESSES: ProcessName[] = ['payment', 'jobs', 'gateway'];

export interface ClusterSettings {
  namespace: string;
  /** Settings of every product process (short pay timeout, quick sweeps, …). */
  env: Record<string, string>;
  log: (m: string) => void;
}

async function healthyWithin(url: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) })).ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

export class Cluster {
  readonly broker: BrokerOptions;
  brokers: string[] = [];
  readonly proxy: HomestayProxy;
  private a: Stack | undefined;
  private b: Stack | undefined;
  private brokerUp = false;
  /** Per-process environment on top of the stack's (who goes through the proxy). */
  private readonly extraEnv = new Map<string, Record<string, string>>();
  private readonly running = new Set<string>();

  private constructor(
    private readonly settings: ClusterSettings,
    broker: BrokerOptions,
    rng: Rng,
  ) {
    this.broker = broker;
    this.proxy = new HomestayProxy(rng);
  }

  /** Ports and the broker's data directory, before anything starts (the broker comes first: its address goes into every process's environment). */
  static async prepare(settings: ClusterSettings, rng: Rng): Promise<Cluster> {
    const [port, controllerPort] = await freePorts(2);
    const broker = { port: port!, controllerPort: controllerPort!, dataDir: mkdtempSync(join(tmpdir(), 'looklook-soak-kafka-')) };
    return new Cluster(settings, broker, rng);
  }

  async startBroker(): Promise<string[]> {
    const { startBroker } = await import('../scripts/infra/kafka.js');
    const first = !this.brokers.length;
    this.brokers = await startBroker(this.broker, (m) => first && this.settings.log(`[kafka] ${m}`));
    this.brokerUp = true;
    return this.brokers;
  }

  async stopBroker(): Promise<void> {
    const { stopBroker } = await import('../scripts/infra/kafka.js');
    this.brokerUp = false;
    await stopBroker(this.broker);
  }

  get kafkaUp(): boolean {
    return this.brokerUp;
  }

  async start(): Promise<void> {
    const { namespace, env } = this.settings;
    const common = { ...env, KAFKA_BROKERS: this.brokers.join(',') };
    await this.proxy.listen(await freePort());
    const viaProxy = { HOMESTAY_URL: `http://127.0.0.1:${this.proxy.port}` };
    // Every start and restart of a process begins from JavaScript: cheaper than through tsx.
    await useStackBuild(namespace);

    this.a = await Stack.start({ namespace, env: common, processes: [] });
    this.proxy.target = this.a.url('homestay');
    this.extraEnv.set('A:order', viaProxy);
    this.extraEnv.set('A:jobs', viaProxy);

    const toA = { USER_URL: this.a.url('user'), HOMESTAY_URL: this.a.url('homestay'), ORDER_URL: this.a.url('order') };
    this.b = await Stack.start({ namespace, env: { ...common, ...toA }, processes: [] });
    this.extraEnv.set('B:jobs', viaProxy);

    // Services first, a few at a time (two cores), gateways last.
    await Promise.all(['user', 'homestay', 'payment'].map((n) => this.startProcess({ side: 'A', name: n as ProcessName })));
    await Promise.all(['order', 'jobs'].map((n) => this.startProcess({ side: 'A', name: n as ProcessName })));
    await Promise.all(['payment', 'jobs'].map((n) => this.startProcess({ side: 'B', name: n as ProcessName })));
    await Promise.all((['A', 'B'] as Side[]).map((side) => this.startProcess({ side, name: 'gateway' })));
  }

  private stack(side: Side): Stack {
    const s = side === 'A' ? this.a : this.b;
    if (!s) throw new Error('cluster not started');
    return s;
  }

  /** Every process of the soak, A's then B's. */
  get targets(): Target[] {
    return [...A_PROCESSES.map((name) => ({ side: 'A' as Side, name })), ...B_PROCESSES.map((name) => ({ side: 'B' as Side, name }))];
  }

  gatewayUrl(side: Side): string {
    return this.stack(side).gatewayUrl;
  }
  graphqlUrl(side: Side): string {
    return this.stack(side).graphqlUrl;
  }
  wsUrl(side: Side): string {
    return this.stack(side).wsUrl;
  }

  isRunning(t: Target): boolean {
    return this.running.has(label(t));
  }

  async startProcess(t: Target): Promise<void> {
    const stack = this.stack(t.side);
    try {
      await stack.startProcess(t.name, this.extraEnv.get(`${t.side}:${t.name}`) ?? {});
    } catch (err) {
      // The stack gives a process a minute; on a busy two-core machine a restart can take longer,
      // and the process is still starting: give it more time. One that never answers is killed,
      // so that no process outlives the soak.
      const slow = /did not become healthy/.test((err as Error).message);
      if (!slow || !(await healthyWithin(stack.url(t.name), 120_000))) {
        await stack.stopProcess(t.name, 'SIGKILL');
        throw err;
      }
    }
    this.running.add(label(t));
  }

  /** SIGKILL is a crash (nothing flushed, no goodbye); SIGTERM the process's own clean shutdown. */
  async stopProcess(t: Target, signal: NodeJS.Signals): Promise<void> {
    this.running.delete(label(t));
    await this.stack(t.side).stopProcess(t.name, signal);
  }

  /** Starts whatever is not running (after the fault schedule, before the system settles). */
  async ensureAllRunning(): Promise<void> {
    for (const t of this.targets) if (!this.isRunning(t)) await this.startProcess(t);
    if (!this.brokerUp) await this.startBroker();
    this.proxy.mode = 'pass';
  }

  async close(): Promise<void> {
    await this.b?.close().catch(() => undefined);
    await this.a?.close().catch(() => undefined);
    this.running.clear();
    await this.proxy.close();
    removeStackBuild(this.settings.namespace);
  }

  /** Stops the private broker and removes its data (after the namespace's topics are dropped). */
  async dropBroker(): Promise<void> {
    await this.stopBroker().catch(() => undefined);
    rmSync(this.broker.dataDir, { recursive: true, force: true });
  }
}
