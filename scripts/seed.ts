import { pathToFileURL } from 'node:url';
import { openDatabase } from '../lib/database.js';
import { homestayDatabase } from '../subgraphs/homestay/database.js';
import { userDatabase } from '../subgraphs/user/database.js';
import { DemoHomestaySeeder } from '../subgraphs/homestay/seeder.js';
import { DEMO_LANDLORDS, DemoUserSeeder } from '../subgraphs/user/seeder.js';
import { Homestay } from '../subgraphs/homestay/entities.js';
import { User } from '../subgraphs/user/entities.js';

/**
 * Loads the demo data into empty databases (or always, with force). Each database is seeded by
 * its own service's seeder; ids that cross services (landlords) travel in the seed context.
 */
export async function seedDemoData({ force = false, log = console.log } = {}): Promise<boolean> {
  const userOrm = await openDatabase(userDatabase);
  const context: Record<string, unknown> = {};
  let seeded = false;
  try {
    const em = userOrm.em.fork();
    if (!force && (await em.count(User, {})) > 0) {
      log('[seed] user database already holds data; demo users not loaded');
      // The homestay seeder may still run (an empty homestay database) if the demo landlords exist.
      const landlords = await em.find(User, { mobile: { $in: DEMO_LANDLORDS.map((l) => l.mobile) } });
      const byMobile = new Map(landlords.map((u) => [u.mobile, String(u.id)]));
      const ids = DEMO_LANDLORDS.map((l) => byMobile.get(l.mobile)).filter((id): id is string => Boolean(id));
      if (ids.length === DEMO_LANDLORDS.length) context.landlordIds = ids;
    } else {
      await new DemoUserSeeder().run(em as never, context);
      log(`[seed] demo users loaded (${(context.landlordIds as string[]).length} landlords)`);
      seeded = true;
    }
  } finally {
    await userOrm.close();
  }

  const homestayOrm = await openDatabase(homestayDatabase);
  try {
    const em = homestayOrm.em.fork();
    if (!force && (await em.count(Homestay, {})) > 0) {
      log('[seed] homestay database already holds data; demo homestays not loaded');
    } else if (!context.landlordIds) {
      log('[seed] demo landlords not found in the user database; demo homestays not loaded');
    } else {
      await new DemoHomestaySeeder().run(em as never, context);
      log(`[seed] demo homestays loaded (${(context.homestayIds as string[]).length} homestays, ${(context.businessIds as string[]).length} businesses)`);
      seeded = true;
    }
  } finally {
    await homestayOrm.close();
  }
  return seeded;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await seedDemoData({ force: process.argv.includes('--force') });
}
