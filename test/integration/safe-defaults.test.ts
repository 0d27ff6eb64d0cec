import net from 'node:net';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { errorCode, gatewayUrl, gql, processUrl, signUp, testNamespace } from '../support/gql.js';
import { freePort } from '../support/ports.js';
import { Stack } from '../support/stack.js';
import { connect } from '../support/ws.js';

/**
 * Safe defaults (issue 16, item 8): internal processes on loopback, tokens that never expire
 * refused, operator endpoints on an internal port.
 *
 * Linux routes all of 127.0.0.0/8 to the loopback interface, so 127.0.0.2 stands in for "another
 * address of this machine": a server bound to 0.0.0.0 answers there, one bound to 127.0.0.1 does not.
 */
const OTHER_ADDRESS = '127.0.0.2';

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const secret = new TextEncoder().encode(process.env.JWT_ACCESS_SECRET ?? 'looklook-dev-access-secret-change-me');

describe('listening addresses', () => {
  it('subgraphs and the jobs process listen on 127.0.0.1 only; the gateway on every address', async () => {
    const p = inject('ports');
    for (const name of ['user', 'homestay', 'order', 'payment', 'jobs'] as const) {
      expect(await reachable('127.0.0.1', p[name]), name).toBe(true);
      expect(await reachable(OTHER_ADDRESS, p[name]), name).toBe(false);
    }
    expect(await reachable(OTHER_ADDRESS, p.gateway)).toBe(true);
  });

  it('HOST moves a subgraph to the address it names', async () => {
    const stack = await Stack.start({ namespace: testNamespace(), processes: ['user'], env: { HOST: '0.0.0.0' } });
    try {
      expect(await reachable(OTHER_ADDRESS, stack.ports.user)).toBe(true);
      expect((await fetch(`http://${OTHER_ADDRESS}:${stack.ports.user}/healthz`)).status).toBe(200);
    } finally {
      await stack.close();
    }
  });
});

describe('a token without exp', () => {
  let forever = '';
  beforeAll(async () => {
    const { userId } = await signUp('No expiry');
    forever = await new SignJWT({ jwtUserId: userId }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().sign(secret);
  });

  it('is refused over HTTP with UNAUTHENTICATED (401)', async () => {
    const r = await gql('{ me { id } }', {}, { token: forever });
    expect(r.status).toBe(401);
    expect(errorCode(r)).toBe('UNAUTHENTICATED');
    expect(r.data?.me ?? null).toBeNull();
  });

  it('closes the subscription socket with 4403', async () => {
    const conn = connect(`${gatewayUrl().replace(/^http/, 'ws')}/graphql`, forever);
    try {
      expect(await Promise.race([conn.closed, conn.connected.then(() => 'accepted')])).toBe(4403);
    } finally {
      await conn.dispose();
    }
  });
});

describe('ADMIN_PORT', () => {
  let stack: Stack;
  let adminPort = 0;
  const basic = `Basic ${Buffer.from(`admin:${process.env.ADMIN_PASSWORD ?? 'looklook-dev-admin'}`).toString('base64')}`;
  beforeAll(async () => {
    adminPort = await freePort();
    const urls = Object.fromEntries((['user', 'homestay', 'order', 'payment'] as const).map((n) => [`${n.toUpperCase()}_URL`, processUrl(n)]));
    stack = await Stack.start({ namespace: testNamespace(), processes: ['gateway'], env: { ...urls, ADMIN_PORT: String(adminPort) } });
  });
  afterAll(async () => stack?.close());
  const admin = (path: string) => `http://127.0.0.1:${adminPort}${path}`;

  it('serves /metrics, /healthz/subscriptions and the board on the admin port only', async () => {
    for (const path of ['/metrics', '/healthz/subscriptions', '/admin/queues', '/admin/queues/api/queues']) {
      expect((await fetch(`${stack.gatewayUrl}${path}`, { headers: { authorization: basic } })).status, path).toBe(404);
    }
    const metrics = await fetch(admin('/metrics'));
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('graphql_requests_total');
    const subs = await fetch(admin('/healthz/subscriptions'));
    expect(subs.status).toBe(200);
    expect(await subs.json()).toHaveProperty('connections');
    expect((await fetch(admin('/admin/queues'))).status).toBe(401);
    expect((await fetch(admin('/admin/queues'), { headers: { authorization: basic } })).status).toBe(200);
  });

  it('keeps the probes and GraphQL on the public port, and the probes on the admin port too', async () => {
    for (const base of [stack.gatewayUrl, admin('')]) {
      expect((await fetch(`${base}/healthz`)).status, base).toBe(200);
      expect((await fetch(`${base}/readyz`)).status, base).toBe(200);
    }
    const r = await gql('{ homestays(first: 1) { edges { cursor } } }', {}, { url: stack.graphqlUrl });
    expect(r.errors).toBeUndefined();
  });

  it('binds the admin port to 127.0.0.1', async () => {
    expect(await reachable(OTHER_ADDRESS, adminPort)).toBe(false);
    expect(await reachable(OTHER_ADDRESS, stack.ports.gateway)).toBe(true);
  });
});
