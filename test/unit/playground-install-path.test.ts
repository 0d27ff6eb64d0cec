import { rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, describe, expect, it } from 'vitest';
import { transpileProduct } from '../support/transpile.js';

/**
 * Where the product is installed is not the playground's business: a checkout in a hidden folder
 * (or packages under pnpm's node_modules/.pnpm) once made every playground file a 404, because the
 * whole path went through `send`'s dot-file rule. The gateway's playground is loaded here from a
 * copy under a dot-named folder of the project.
 */
const dir = new URL(`../../.data/.install-${process.pid}`, import.meta.url).pathname;

describe('playground installed under a dot-named folder', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves its page and assets, and still refuses unknown names', async () => {
    await transpileProduct(dir);
    const { playgroundRouter } = (await import(`${dir}/gateway/playground.js`)) as typeof import('../../gateway/playground.js');
    const app = express().use('/playground', playgroundRouter());
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/playground`;
    try {
      const page = await fetch(`${base}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<html/i);
      for (const asset of ['playground.js', 'graphiql.js', 'landlord-tab.graphql']) expect((await fetch(`${base}/assets/${asset}`)).status).toBe(200);
      expect((await fetch(`${base}/assets/.env`)).status).toBe(404);
    } finally {
      server.close();
    }
  });
});
