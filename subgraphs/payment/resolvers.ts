import { config } from '../../lib/config.js';
import { notFound } from '../../lib/errors.js';
import { DateTimeScalar } from '../../lib/scalars.js';
import { requireUserId } from '../../lib/subgraph-server.js';
import { statusOf, type ThirdPayment } from './entities.js';
import type { PaymentContext } from './context.js';
import { SANDBOX_SIGNATURE_HEADER } from './provider/sandbox.js';
import type { Resolvers } from './generated/resolvers-types.js';

/** A user reads their own payments; a service caller (jobs, say) reads any. */
const visible = (ctx: PaymentContext) => (p: ThirdPayment) => Boolean(ctx.caller.service) || p.userId === ctx.caller.userId;

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Mutation: {
    payOrder: async (_p, { orderSn }, ctx) => ctx.payments.payOrder(requireUserId(ctx), orderSn, ctx.caller.requestId),
    sandboxPay: async (_p, { paymentSn, outcome }, ctx) => {
      const userId = requireUserId(ctx);
      if (!ctx.sandbox) throw notFound('sandbox provider');
      const payment = await ctx.loaders.payment.load(paymentSn);
      if (!payment || payment.userId !== userId) throw notFound('payment');
      const transactionId = payment.transactionId || `SBX${payment.sn.slice(3)}`;
      const { body, signature } = ctx.sandbox.signedCallback({ paymentSn, transactionId, amount: payment.payTotal, status: outcome });
      // Through the real callback route, exactly as the provider would call it.
      const res = await fetch(`${config().urls.payment}/payments/notify/${ctx.sandbox.routeName}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SANDBOX_SIGNATURE_HEADER]: signature },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      const reply = await res.text();
      if (!res.ok) throw new Error(`sandbox callback answered ${res.status} ${reply}`);
      ctx.em.clear();
      return (await ctx.payments.findBySns([paymentSn]))[0];
    },
  },
  Payment: {
    __resolveReference: async (ref, ctx) => {
      const p = await ctx.loaders.payment.load(ref.sn);
      return p && visible(ctx)(p) ? p : null;
    },
    orderSn: (p) => p.orderSn,
    amount: (p) => p.payTotal,
    status: (p) => statusOf(p.payStatus),
    transactionId: (p) => p.transactionId || null,
    paidAt: (p) => p.payTime,
    createdAt: (p) => p.createTime,
  },
  HomestayOrder: {
    payments: async (order, _a, ctx) => (await ctx.loaders.paymentsOfOrder.load(order.sn)).filter(visible(ctx)),
  },
};
