import type { EntityManager, MikroORM } from '../../lib/database.js';
import { loaderBy } from '../../lib/loader.js';
import type { BaseContext } from '../../lib/subgraph-server.js';
import { OrderService, type OrderDeps } from './service.js';

export function createContext(orm: MikroORM, deps: Omit<OrderDeps, 'log'>) {
  return (base: BaseContext) => {
    const em = orm.em.fork() as EntityManager;
    const orders = new OrderService(em, { ...deps, log: base.log });
    return {
      ...base,
      em,
      orders,
      loaders: { order: loaderBy((sns: readonly string[]) => orders.findBySns(sns), (o) => o.sn) },
    };
  };
}

export type OrderContext = ReturnType<ReturnType<typeof createContext>>;
