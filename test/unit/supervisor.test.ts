import { afterEach, describe, expect, it } from 'vitest';
import { Supervisor, type ChildExit } from '../../scripts/supervisor.js';

/** The supervisor behind `npm start`, on real (tiny) child processes. */

const node = (script: string) => ({ command: process.execPath, args: ['-e', script] });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await sleep(20);
  }
}
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

let running: Supervisor[] = [];
afterEach(async () => {
  await Promise.all(running.map((s) => s.stop()));
  running = [];
});

function supervise(script: string, opts: Partial<ConstructorParameters<typeof Supervisor>[0]> = {}) {
  const exits: ChildExit[] = [];
  const spawnedAt: number[] = [];
  const logs: string[] = [];
  const output: string[] = [];
  const s = new Supervisor({
    name: 'tiny',
    ...node(script),
    log: (m) => logs.push(m),
    onOutput: (l) => output.push(l),
    onSpawn: () => spawnedAt.push(Date.now()),
    onExit: (e) => exits.push(e),
    ...opts,
  });
  running.push(s);
  s.start();
  return { s, exits, spawnedAt, logs, output };
}

describe('Supervisor', () => {
  it('restarts a child that exits, with delays doubling up to the cap, and logs each exit and restart', async () => {
    const { exits, spawnedAt, logs, output } = supervise('console.log("hello"); process.exit(3)', { minDelayMs: 100, maxDelayMs: 400 });
    await until(() => exits.length >= 5);
    expect(exits.slice(0, 5).map((e) => e.restartInMs)).toEqual([100, 200, 400, 400, 400]);
    expect(exits.every((e) => e.code === 3 && e.signal === null)).toBe(true);
    // Each new child came no sooner than its delay after the previous exit.
    for (let i = 1; i < 5; i++) expect(spawnedAt[i]! - spawnedAt[i - 1]!).toBeGreaterThanOrEqual(exits[i - 1]!.restartInMs!);
    expect(logs[0]).toMatch(/exited with code 3 after [\d.]+s; restarting in 0\.1s/);
    expect(logs[2]).toMatch(/exited with code 3 .*restarting in 0\.4s/);
    expect(output.filter((l) => l === 'hello').length).toBeGreaterThanOrEqual(5);
  });

  it('stop() ends it for good, also while a restart is pending', async () => {
    const { s, exits, spawnedAt } = supervise('process.exit(1)', { minDelayMs: 200, maxDelayMs: 200 });
    await until(() => exits.length >= 1);
    await s.stop();
    const starts = spawnedAt.length;
    await sleep(700);
    expect(spawnedAt.length).toBe(starts);
    expect(s.child).toBeUndefined();
  });

  it('starts the delays over once a child stayed up long enough', async () => {
    const { exits } = supervise('setTimeout(() => process.exit(1), 300)', { minDelayMs: 50, maxDelayMs: 5000, resetAfterMs: 200 });
    await until(() => exits.length >= 3);
    expect(exits.slice(0, 3).map((e) => e.restartInMs)).toEqual([50, 50, 50]);
  });

  it('restarts a child killed by a signal and names the signal', async () => {
    const { s, exits, logs } = supervise('setInterval(() => {}, 1000)', { minDelayMs: 50 });
    await until(() => s.child?.pid !== undefined);
    const first = s.child!.pid!;
    process.kill(first, 'SIGKILL');
    await until(() => exits.length === 1 && s.child?.pid !== undefined && s.child.pid !== first);
    expect(exits[0]).toMatchObject({ code: null, signal: 'SIGKILL', restartInMs: 50 });
    expect(logs[0]).toMatch(/killed by SIGKILL .*restarting in 0\.05s/);
    expect(alive(s.child!.pid!)).toBe(true);
  });

  it('stop() terminates a running child (SIGTERM, then SIGKILL if it ignores it) without restarting it', async () => {
    const { s, exits, logs, output } = supervise('process.on("SIGTERM", () => {}); console.log("deaf"); setInterval(() => {}, 1000)', {
      minDelayMs: 50,
      killAfterMs: 300,
    });
    await until(() => output.includes('deaf'));
    const pid = s.child!.pid!;
    await s.stop();
    expect(alive(pid)).toBe(false);
    expect(exits).toEqual([expect.objectContaining({ signal: 'SIGKILL', restartInMs: null })]);
    expect(logs.at(-1)).toMatch(/stopped/);
  });
});
