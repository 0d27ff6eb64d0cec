import type { MikroORM } from '../../lib/database.js';
import type { EntityManager } from '../../lib/database.js';
import { loaderBy } from '../../lib/loader.js';
import type { BaseContext } from '../../lib/subgraph-server.js';
import { UserService } from './service.js';
import { SignInLimits } from './sign-in-limits.js';
import { ProfileChanges } from './profile-changes.js';

export function createContext(orm: MikroORM, profileChanges: ProfileChanges = ProfileChanges.none) {
  return (base: BaseContext) => {
    const em = orm.em.fork() as EntityManager;
    const users = new UserService(em, new SignInLimits(base.caller.clientIp), profileChanges);
    return {
      ...base,
      em,
      users,
      viewer: { signedInAs: undefined as string | undefined },
      loaders: { user: loaderBy((ids: readonly string[]) => users.findByIds(ids), (u) => String(u.id)) },
    };
  };
}

export type UserContext = ReturnType<ReturnType<typeof createContext>>;
