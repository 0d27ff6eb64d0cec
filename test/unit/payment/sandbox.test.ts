import { describe, expect, it } from 'vitest';
import { parse, print } from 'graphql';
import { readFileSync } from 'node:fs';
import { loadConfig } from '../../../lib/config.js';
import { SandboxProvider, sandboxSignatureValid, signSandboxBody } from '../../../subgraphs/payment/provider/sandbox.js';
import { parsePaymentStatusEvent } from '../../../contracts/payment.js';
import { paymentSn } from '../../../subgraphs/payment/service.js';

describe('sandbox provider', () => {
  const secret = 'test-secret';
  const provider = new SandboxProvider(secret);
  const body = JSON.stringify({ paymentSn: 'PMT1', transactionId: 'TX1', amount: 100, status: 'SUCCESS' });

  it('accepts the signature of the raw body and refuses anything else', () => {
    const sig = signSandboxBody(body, secret);
    expect(sig).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(provider.verifyCallback(Buffer.from(body), { 'x-sandbox-signature': sig })).toEqual({
      ok: true,
      notice: { paymentSn: 'PMT1', transactionId: 'TX1', amount: 100, status: 'SUCCESS' },
    });
    for (const header of [undefined, '', 'sha256=', sig.toUpperCase(), sig.slice(0, -1), `${sig}0`, signSandboxBody(body, 'other')]) {
      expect(sandboxSignatureValid(Buffer.from(body), header, secret), String(header)).toBe(false);
    }
    expect(provider.verifyCallback(Buffer.from(`${body} `), { 'x-sandbox-signature': sig })).toEqual({ ok: false, reason: 'signature' });
  });

  it('refuses a signed body that is not a notice', () => {
    for (const bad of ['not json', '{}', JSON.stringify({ paymentSn: 'P', transactionId: 'T', amount: 1.5, status: 'SUCCESS' }), JSON.stringify({ paymentSn: 'P', transactionId: 'T', amount: 1, status: 'PAID' })]) {
      expect(provider.verifyCallback(Buffer.from(bad), { 'x-sandbox-signature': signSandboxBody(bad, secret) })).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('production refuses the default sandbox secret', () => {
    const env = { NODE_ENV: 'production', JWT_ACCESS_SECRET: 'a', INTERNAL_SECRET: 'b' };
    expect(() => loadConfig(env)).toThrow(/PAYMENT_SANDBOX_SECRET/);
    expect(loadConfig({ ...env, PAYMENT_SANDBOX_SECRET: 'c' }).paymentSandboxSecret).toBe('c');
  });

  it('the production schema has no sandboxPay', async () => {
    const { withoutSandbox } = await import('../../../contracts/payment.js');
    const doc = parse(readFileSync(new URL('../../../subgraphs/payment/schema.graphql', import.meta.url), 'utf8'));
    const printed = print(withoutSandbox(doc));
    expect(printed).not.toMatch(/sandboxPay|SandboxOutcome/);
    expect(printed).toMatch(/payOrder/);
  });

  it('neither has the supergraph a production gateway serves, which still loads and plans', async () => {
    const { servedSupergraph } = await import('../../../gateway/server.js');
    const { ApolloGateway } = await import('@apollo/gateway');
    const sdl = readFileSync(new URL('../../../supergraph.graphql', import.meta.url), 'utf8');
    expect(sdl).toMatch(/sandboxPay/);
    const served = servedSupergraph(sdl, true);
    expect(served).not.toMatch(/sandboxPay|SandboxOutcome/);
    expect(servedSupergraph(sdl, false)).toBe(sdl);
    const gateway = new ApolloGateway({ supergraphSdl: served });
    const { schema } = await gateway.load();
    try {
      const mutations = Object.keys(schema.getMutationType()!.getFields());
      expect(mutations).toContain('payOrder');
      expect(mutations).not.toContain('sandboxPay');
    } finally {
      await gateway.stop();
    }
  });
});

describe('payment events and sns', () => {
  it('parses a valid event and rejects malformed ones', () => {
    const e = { eventId: 'e1', orderSn: 'HSO1', paymentSn: 'PMT1', payStatus: 'SUCCESS', amount: 100, paidAt: new Date().toISOString() };
    expect(parsePaymentStatusEvent(JSON.stringify(e))).toEqual(e);
    for (const bad of [null, '', 'x', '[]', JSON.stringify({ ...e, payStatus: 'PAID' }), JSON.stringify({ ...e, eventId: '' }), JSON.stringify({ ...e, amount: '100' }), JSON.stringify({ ...e, paidAt: 'yesterday' })]) {
      expect(parsePaymentStatusEvent(bad)).toBeNull();
    }
  });

  it('makes sns like looklook: PMT + timestamp in APP_TIMEZONE (Asia/Shanghai by default) + 8 digits', () => {
    expect(paymentSn(new Date('2026-11-22T10:11:12Z'))).toMatch(/^PMT20261122181112\d{8}$/);
  });
});

describe('sandbox prepare', () => {
  it('needs the payment sn, as a real provider needs the merchant order number', async () => {
    const provider = new SandboxProvider('s');
    await expect(provider.prepare({ sn: '', orderSn: 'HSO1', amount: 100 })).rejects.toThrow(/sn/);
    await expect(provider.prepare({ sn: 'PMT2026112218111212345678', orderSn: 'HSO1', amount: 100 })).resolves.toEqual({ tradeType: 'SANDBOX' });
  });
});
