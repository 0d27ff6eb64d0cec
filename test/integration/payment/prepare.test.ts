import { paymentDatabase } from '../../../subgraphs/payment/database.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MikroORM } from '../../../lib/database.js';
import type { PaymentProvider, PaymentToPrepare } from '../../../subgraphs/payment/provider/provider.js';
import { processUrl, signUp, testNamespace } from '../../support/gql.js';
import { book, createHomestay } from './support.js';

/** A provider opens a payment under the merchant order number: the payment's own sn. */
let orm: MikroORM;
let homestayId: string;

beforeAll(async () => {
  process.env.NAMESPACE = testNamespace();
  process.env.ORDER_URL = processUrl('order');
  orm = await (await import('../../../lib/database.js')).openDatabase(paymentDatabase);
  homestayId = await createHomestay(testNamespace());
});
afterAll(async () => {
  await orm?.close();
});

describe('payOrder and the provider', () => {
  it("prepares the payment with the provider under the payment's sn", async () => {
    const prepared: PaymentToPrepare[] = [];
    const recording: PaymentProvider = {
      payMode: 'SANDBOX',
      routeName: 'sandbox',
      async prepare(p) {
        prepared.push({ ...p });
        return { tradeType: 'SANDBOX' };
      },
      verifyCallback: () => ({ ok: false, reason: 'malformed' }),
      refund: async () => ({ refundId: 'none' }),
    };
    const { PaymentService } = await import('../../../subgraphs/payment/service.js');
    const guest = await signUp();
    const order = await book(guest.token, homestayId);
    const payment = await new PaymentService(orm.em.fork() as never, recording).payOrder(guest.userId, order.sn);
    expect(payment.sn).toMatch(/^PMT\d{22}$/);
    expect(prepared).toEqual([{ sn: payment.sn, orderSn: order.sn, amount: order.total }]);
  });
});
