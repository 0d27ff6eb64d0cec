import { afterAll, describe, expect, it } from 'vitest';
import { Supervisor, type ChildExit } from '../../scripts/supervisor.js';
import { testNamespace } from '../support/gql.js';
import { freePort } from '../support/ports.js';

/**
 * What `npm start` does for each process, on a real product process: the user subgraph in the
 * test namespace on a free port (never the demo ports or namespace), killed the hard way.
 */

const ROOT = new URL('../../', import.meta.url).pathname;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const healthy = async (port: number) => {
  try {
    return (await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
};
async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await sleep(100);
  }
}

describe('supervision of a product process', () => {
  let sup: Supervisor | undefined;
  afterAll(async () => sup?.stop());

  it('restarts a SIGKILLed subgraph, and stop() ends it for good', async () => {
    const port = await freePort();
    const exits: ChildExit[] = [];
    const logs: string[] = [];
    sup = new Supervisor({
      name: 'user',
      command: process.execPath,
      args: ['--import', 'tsx', 'subgraphs/user/main.ts'],
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'warn', NAMESPACE: testNamespace(), USER_PORT: String(port) },
      log: (m) => logs.push(m),
      onExit: (e) => exits.push(e),
    });
    sup.start();
    await until(() => healthy(port));
    const first = sup.child!.pid!;

    process.kill(first, 'SIGKILL');
    await until(() => exits.length === 1);
    expect(exits[0]).toMatchObject({ signal: 'SIGKILL', restartInMs: 500 });
    expect(logs[0]).toMatch(/killed by SIGKILL after [\d.]+s; restarting in 0\.5s/);
    await until(() => healthy(port));
    expect(sup.child!.pid).not.toBe(first);

    await sup.stop();
    expect(await healthy(port)).toBe(false);
    await sleep(1500); // past the first restart delay: nothing comes back
    expect(await healthy(port)).toBe(false);
    expect(sup.child).toBeUndefined();
  });
});
