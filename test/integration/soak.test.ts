import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';

/**
 * The short fault soak (issue 11) as a CI test: `soak/main.ts` for 60 s in a child process, which
 * starts its own processes, namespace and Kafka broker, and exits 0 only when every invariant
 * holds. The seed is printed; replay a failure with SOAK_SEED=<seed> SOAK_SECONDS=60 npm run soak.
 *
 * Off by default for now (SOAK_TEST=1 runs it): with the issue 11 fixes merged, one violation is
 * left in every run: a guest's cancelOrder that lands after the payment was confirmed (before its
 * event reached the order) still cancels the order, and the payment is refunded; the deadline
 * close asks the payment service first, the guest's cancel does not. Remove the skipIf once that
 * is decided (cancel refused, or the invariant exempts a guest's own cancel).
 */
const ROOT = new URL('../../', import.meta.url).pathname;
const seed = process.env.SOAK_SEED ?? String(randomInt(0, 2 ** 31));

describe('fault soak', () => {
  it.skipIf(process.env.SOAK_TEST !== '1')(
    `60 s of traffic under faults leaves no violation (seed ${seed})`,
    async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'soak/main.ts'], {
        cwd: ROOT,
        env: { ...process.env, SOAK_SECONDS: process.env.SOAK_SECONDS ?? '60', SOAK_SEED: seed },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      const keep = (chunk: Buffer) => {
        process.stdout.write(chunk);
        output += chunk.toString();
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      const verdict = output.split('\n').filter((l) => /^(ok|FAIL)\s|^\s+- |^violations:|^seed:|could not run/.test(l));
      expect(code, verdict.join('\n')).toBe(0);
    },
    15 * 60_000,
  );
});
