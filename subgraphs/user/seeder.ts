import type { EntityManager } from '@mikro-orm/mysql';
import { Seeder } from '@mikro-orm/seeder';
import { User } from './entities.js';
import { UserService } from './service.js';

/** Every demo account signs in with this password (documented in the README). */
export const DEMO_PASSWORD = 'looklook123';

export const DEMO_GUESTS = [
  { mobile: '13800000001', nickname: 'Demo Guest' },
  { mobile: '13800000002', nickname: 'QA Tester' },
];

export const DEMO_LANDLORDS = [
  { mobile: '13900000001', nickname: 'Landlord Chen' },
  { mobile: '13900000002', nickname: 'Landlord Li' },
  { mobile: '13900000003', nickname: 'Landlord Wang' },
  { mobile: '13900000004', nickname: 'Landlord Zhao' },
];

/**
 * Demo users, created through the user service itself so that they get real password hashes and
 * user_auth rows. `context.landlordIds` hands the landlords' ids to the homestay seeder.
 */
export class DemoUserSeeder extends Seeder {
  async run(em: EntityManager, context: Record<string, unknown> = {}): Promise<void> {
    const service = new UserService(em);
    const landlordIds: string[] = [];
    for (const u of [...DEMO_GUESTS, ...DEMO_LANDLORDS]) {
      const existing = await em.findOne(User, { mobile: u.mobile });
      const user = existing ?? (await service.register({ ...u, password: DEMO_PASSWORD }));
      if (DEMO_LANDLORDS.includes(u)) landlordIds.push(String(user.id));
    }
    context.landlordIds = landlordIds;
  }
}
