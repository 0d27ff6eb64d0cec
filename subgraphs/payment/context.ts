import type { EntityManager, MikroORM } from '../../lib/database.js';
import { groupLoaderBy, loaderBy } from '../../lib/loader.js';
import type { BaseContext } from '../../lib/subgraph-server.js';
import type { PaymentProvider } from './provider/provider.js';
import type { SandboxProvider } from './provider/sandbox.js';
import { PaymentService } from './service.js';

export interface PaymentDeps {
  orm: MikroORM;
  provider: PaymentProvider;
  /** Present outside production only. */
  sandbox: SandboxProvider | null;
  onOutboxWrite: () => void;
}

export function createContext(deps: PaymentDeps) {
  return (base: BaseContext) => {
    const em = deps.orm.em.fork() as EntityManager;
    const payments = new PaymentService(em, deps.provider, deps.onOutboxWrite);
    return {
      ...base,
      em,
      payments,
      sandbox: deps.sandbox,
      loaders: {
        payment: loaderBy((sns: readonly string[]) => payments.findBySns(sns), (p) => p.sn),
        paymentsOfOrder: groupLoaderBy((sns: readonly string[]) => payments.findByOrderSns(sns), (p) => p.orderSn),
      },
    };
  };
}

export type PaymentContext = ReturnType<ReturnType<typeof createContext>>;
