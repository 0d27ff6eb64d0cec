import type { EntityManager, MikroORM } from '../../lib/database.js';
import { loaderBy, pageLoader } from '../../lib/loader.js';
import type { BaseContext } from '../../lib/subgraph-server.js';
import { LandlordService } from './landlord.js';
import { Reviews } from './reviews.js';
import { HomestayService } from './service.js';

export function createContext(orm: MikroORM) {
  return (base: BaseContext) => {
    const em = orm.em.fork() as EntityManager;
    const homestays = new HomestayService(em);
    return {
      ...base,
      em,
      homestays,
      landlord: new LandlordService(em),
      reviews: new Reviews(em),
      loaders: {
        homestay: loaderBy((ids: readonly string[]) => homestays.findByIds(ids), (h) => String(h.id)),
        business: loaderBy((ids: readonly string[]) => homestays.findBusinessesByIds(ids), (b) => String(b.id)),
        rating: loaderBy((ids: readonly string[]) => homestays.ratings(ids), (r) => r.homestayId),
        businessHomestays: pageLoader(
          (ids, n) => homestays.firstHomestaysOf(ids, n),
          (id, args) => homestays.list({ ...args, scope: 'ALL' }, id),
          (h) => [String(h.id)],
        ),
        comments: pageLoader(
          (ids, n) => homestays.firstCommentsOf(ids, n),
          (id, args) => homestays.comments(id, args),
          (c) => [String(c.id)],
        ),
      },
    };
  };
}

export type HomestayContext = ReturnType<ReturnType<typeof createContext>>;
