import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { loadConfig } from '../../lib/config.js';
import { gatewayUrl, gql, signUp, testNamespace } from '../support/gql.js';
import { Stack } from '../support/stack.js';
import { subscriptionStats, waitForStats } from '../support/ws.js';
import { CANCEL, createHomestay, stay } from './order/support.js';

/**
 * The GraphiQL playground in a real headless Chromium (Debian's package, driven by
 * playwright-core). The machine has no internet, so the page must load everything from the
 * gateway itself; any request elsewhere is refused and fails the test.
 */
const ROOT = new URL('../../', import.meta.url).pathname;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = join(ROOT, '.data');
/** The visible one of the Variables / Headers editors: the playground opens on Headers. */
const HEADERS_EDITOR = '.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror';

let context: BrowserContext;
let page: Page;
let profile: string;
const foreign: string[] = [];

beforeAll(async () => {
  // Installs Chromium on a fresh machine (idempotent; a no-op when it is there).
  execFileSync(join(ROOT, 'scripts/ensure-chromium.sh'), { stdio: 'inherit', env: { ...process.env, CHROMIUM_PATH: CHROMIUM } });
  profile = mkdtempSync(join(tmpdir(), 'looklook-chromium-'));
  mkdirSync(SHOTS, { recursive: true });
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
    viewport: { width: 1400, height: 900 },
  });
  const origin = new URL(gatewayUrl()).origin;
  const wsOrigin = origin.replace(/^http/, 'ws');
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith(wsOrigin) || url.startsWith('data:')) return route.continue();
    foreign.push(url);
    return route.abort();
  });
  page = await context.newPage();
}, 600_000);

afterAll(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

/** Sets a GraphiQL editor's text through its CodeMirror instance (as typing would). */
async function setEditor(selector: string, text: string) {
  await page.evaluate(
    ([sel, value]) => {
      const el = document.querySelector(sel!) as (Element & { CodeMirror?: { setValue(v: string): void } }) | null;
      if (!el?.CodeMirror) throw new Error(`no editor at ${sel}`);
      el.CodeMirror.setValue(value!);
    },
    [selector, text],
  );
  // GraphiQL picks the operation (name, type) from the editor after a short debounce.
  await page.waitForTimeout(700);
}

const responseText = () =>
  page.evaluate(() => {
    const el = document.querySelector('.graphiql-response .CodeMirror') as (Element & { CodeMirror?: { getValue(): string } }) | null;
    return el?.CodeMirror?.getValue() ?? '';
  });

async function waitForResponse(ok: (text: string) => boolean, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = await responseText();
  while (!ok(text)) {
    if (Date.now() > deadline) throw new Error(`the playground never showed the expected result; it shows:\n${text}`);
    await page.waitForTimeout(100);
    text = await responseText();
  }
  return text;
}

describe('playground', () => {
  it('serves GraphiQL from the gateway itself, with no CDN', async () => {
    const res = await fetch(`${gatewayUrl()}/playground`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    const assets = [...html.matchAll(/(?:src|href)="(\/playground\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(6);
    for (const a of assets) expect((await fetch(`${gatewayUrl()}${a}`)).status, a).toBe(200);
    expect((await fetch(`${gatewayUrl()}/playground/assets/..%2Fpackage.json`)).status).toBe(404);
  });

  it('runs a query and shows its result, then shows a subscription event arriving', async () => {
    const guest = await signUp('Browser');
    const homestayId = await createHomestay(testNamespace(), { title: 'Playground villa' });
    const booked = await gql(
      `mutation($input: CreateHomestayOrderInput!) { createHomestayOrder(input: $input) { sn } }`,
      { input: { homestayId, ...stay(2, 1), guests: 1 } },
      { token: guest.token },
    );
    const sn = booked.data.createHomestayOrder.sn as string;

    await page.goto(`${gatewayUrl()}/playground`);
    await page.waitForSelector('.graphiql-query-editor .CodeMirror', { timeout: 30_000 });
    await page.waitForSelector(HEADERS_EDITOR, { timeout: 30_000 });
    // The Authorization header goes in the headers editor, as a user would type it.
    await setEditor(HEADERS_EDITOR, JSON.stringify({ Authorization: `Bearer ${guest.token}` }, null, 2));

    await setEditor('.graphiql-query-editor .CodeMirror', `query Me {\n  me { id nickname }\n  order(sn: "${sn}") { sn state title }\n}`);
    await page.click('.graphiql-execute-button');
    const result = await waitForResponse((t) => t.includes('"nickname"'));
    expect(JSON.parse(result)).toEqual({
      data: { me: { id: guest.userId, nickname: 'Browser' }, order: { sn, state: 'WAIT_PAY', title: 'Playground villa' } },
    });
    await page.screenshot({ path: join(SHOTS, 'playground-query.png') });

    const before = (await subscriptionStats(gatewayUrl())).hub.listeners;
    await setEditor(
      '.graphiql-query-editor .CodeMirror',
      `subscription Live {\n  orderStateChanged(sn: "${sn}") {\n    from to at\n    order { sn state homestay { title } }\n  }\n}`,
    );
    await page.click('.graphiql-execute-button');
    await waitForStats(gatewayUrl(), (s) => s.hub.listeners > before);
    await page.waitForTimeout(300); // other test files may subscribe on this gateway at the same time
    const cancel = await gql(CANCEL, { sn }, { token: guest.token });
    expect(cancel.data.cancelOrder.state).toBe('CANCELLED');
    const event = JSON.parse(await waitForResponse((t) => t.includes('CANCELLED')));
    expect(event.data.orderStateChanged).toMatchObject({
      from: 'WAIT_PAY',
      to: 'CANCELLED',
      order: { sn, state: 'CANCELLED', homestay: { title: 'Playground villa' } },
    });
    await page.screenshot({ path: join(SHOTS, 'playground-subscription.png') });
    // Stopping the subscription in the UI ends it on the server.
    await page.click('.graphiql-execute-button');
    await waitForStats(gatewayUrl(), (s) => s.hub.listeners <= before);
    expect(foreign).toEqual([]);
  });

  it('is off when NODE_ENV=production unless configuration enables it', async () => {
    const secrets = { JWT_ACCESS_SECRET: 'prod-access-secret-0123456789', INTERNAL_SECRET: 'prod-internal-secret-0123456789', PAYMENT_SANDBOX_SECRET: 'prod-sandbox-secret' };
    expect(loadConfig({ NODE_ENV: 'production', ...secrets }).playgroundEnabled).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', PLAYGROUND_ENABLED: 'true', ...secrets }).playgroundEnabled).toBe(true);
    expect(loadConfig({ NODE_ENV: 'development' }).playgroundEnabled).toBe(true);

    const prod = await Stack.start({ namespace: testNamespace(), processes: ['gateway'], env: { NODE_ENV: 'production', ...secrets } });
    try {
      expect((await fetch(`${prod.gatewayUrl}/playground`)).status).toBe(404);
      expect((await fetch(`${prod.gatewayUrl}/playground/assets/graphiql.js`)).status).toBe(404);
    } finally {
      await prod.close();
    }
  });
});
