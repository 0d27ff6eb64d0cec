import type { EntityManager, MikroORM } from '../../lib/database.js';
import { loaderBy, pageLoader } from '../../lib/loader.js';
import type { BaseContext } from '../../lib/subgraph-server.js';
import { LandlordService } from './landlord.js';
import { LandlordNames } from './landlord-names.js';
import { Reviews } from './reviews.js';
import { ALONG, HomestayService, type HomestayListArgs, type PageJoins } from './service.js';

export function createContext(orm: MikroORM, landlordNames = new LandlordNames()) {
  return (base: BaseContext) => {
    const em = orm.em.fork() as EntityManager;
    const homestays = new HomestayService(em);
    const loaders = {
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
    };
    return {
      ...base,
      em,
      homestays,
      landlord: new LandlordService(em),
      reviews: new Reviews(em),
      landlordNames,
      loaders,
      /**
       * A page of homestays whose businesses and ratings came in the page's own query: its rows
       * carry them (the fields read them there) and the loaders get them for the rest of the request.
       */
      async homestayPage(args: HomestayListArgs, joins: PageJoins) {
        const page = await homestays.list(args, undefined, joins);
        for (const { node } of page.edges) {
          const along = node[ALONG];
          if (along?.business) loaders.business.prime(String(along.business.id), along.business);
          if (along?.rating) loaders.rating.prime(along.rating.homestayId, along.rating);
        }
        return page;
      },
    };
  };
}

export type HomestayContext = ReturnType<ReturnType<typeof createContext>>;
