import type { EntityManager, MikroORM } from '../../db/index.js';
import { loaderBy } from '../../lib/loader.js';
import type { BaseContext } from '../../lib/subgraph-server.js';
import { HomestayService } from './service.js';

export function createContext(orm: MikroORM) {
  return (base: BaseContext) => {
    const em = orm.em.fork() as EntityManager;
    const homestays = new HomestayService(em);
    return {
      ...base,
      em,
      homestays,
      loaders: {
        homestay: loaderBy((ids: readonly string[]) => homestays.findByIds(ids), (h) => String(h.id)),
        business: loaderBy((ids: readonly string[]) => homestays.findBusinessesByIds(ids), (b) => String(b.id)),
        rating: loaderBy((ids: readonly string[]) => homestays.ratings(ids), (r) => r.homestayId),
      },
    };
  };
}

export type HomestayContext = ReturnType<ReturnType<typeof createContext>>;
