import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePorts } from '../support/ports.js';

/** The ports a test stack gives its processes (test/support/stack.ts). */
describe('freePorts', () => {
  it('gives distinct ports that can be listened on', async () => {
    const ports = await freePorts(64);
    expect(new Set(ports).size).toBe(64);
    for (const port of ports.slice(0, 8)) {
      const srv = net.createServer();
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(port, '127.0.0.1', resolve);
      });
      await new Promise((resolve) => srv.close(resolve));
    }
  });
});
