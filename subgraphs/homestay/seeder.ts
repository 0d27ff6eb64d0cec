import type { EntityManager } from '@mikro-orm/mysql';
import { Seeder } from '@mikro-orm/seeder';
import {
  ACTIVITY_GOOD_BUSINESS,
  ACTIVITY_PREFERRED_HOMESTAY,
  Homestay,
  HomestayActivity,
  HomestayBusiness,
  HomestayComment,
  ROW_STATE_OFF_SALE,
  ROW_STATE_ON_SALE,
  ROW_TYPE_PER_PERSON,
  ROW_TYPE_PER_ROOM,
} from './entities.js';
import { CANCELLATION_POLICIES } from '../../contracts/homestay.js';

const photo = (key: string, i: number) => `https://picsum.photos/seed/looklook-${key}-${i}/800/600`;

const BUSINESSES = [
  { title: 'West Lake Stays', city: 'Hangzhou', star: 4.8, tags: 'lake view,tea garden,family', info: 'Courtyard homes between the lake and the tea hills.', bossInfo: 'Chen grew up in Longjing village and has hosted guests since 2012.' },
  { title: 'Erhai Breeze', city: 'Dali', star: 4.6, tags: 'sea view,cycling,quiet', info: 'Bai-style houses on the shore of Erhai.', bossInfo: 'Li left Shanghai for Dali and never looked back.' },
  { title: 'Gulangyu Garden', city: 'Xiamen', star: 4.5, tags: 'island,colonial,music', info: 'Old villas on the piano island, a short walk from the ferry.', bossInfo: 'Wang restores old villas and plays the piano badly.' },
  { title: 'Old Town Lodge', city: 'Lijiang', star: 4.3, tags: 'old town,snow mountain,naxi', info: 'Naxi courtyards in the old town, with views of Jade Dragon Snow Mountain.', bossInfo: 'Zhao cooks the best yak hotpot in town.' },
];

const NAMES = ['Courtyard', 'Loft', 'Garden Suite', 'Sky Room', 'Tea House', 'Family Villa', 'Studio', 'Hillside Cabin'];
const EXTRA_CITIES = ['Chengdu', 'Sanya'];

const GUEST_COMMENTS = [
  { star: 5, content: 'Spotless room, lovely hosts, breakfast worth getting up for.' },
  { star: 4, content: 'Great location; the stairs are steep with luggage.' },
  { star: 5, content: 'We would come back tomorrow. The view at sunrise is unreal.' },
  { star: 3, content: 'Nice place but the walls are thin.' },
  { star: 4, content: 'Quiet, clean and the landlord gave us great tips.' },
];

/**
 * Demo homestays: 4 businesses (one per demo landlord from the user seeder, whose ids arrive in
 * context.landlordIds), 30 homestays across 6 cities (some with a single room, two off sale),
 * comments, every cancellation policy (in turn), and looklook's activities (preferred homestays, good businesses).
 */
export class DemoHomestaySeeder extends Seeder {
  async run(em: EntityManager, context: Record<string, unknown> = {}): Promise<void> {
    const landlordIds = (context.landlordIds as string[] | undefined) ?? [];
    if (landlordIds.length < 3) throw new Error('the homestay seeder needs at least 3 landlord ids in context.landlordIds');
    const businesses = BUSINESSES.slice(0, landlordIds.length).map((b, i) =>
      em.create(HomestayBusiness, {
        title: b.title,
        userId: landlordIds[i],
        info: b.info,
        bossInfo: b.bossInfo,
        star: b.star,
        tags: b.tags,
        cover: photo(`business-${i + 1}`, 1),
        headerImg: photo(`boss-${i + 1}`, 1),
        rowState: 1,
      } as HomestayBusiness),
    );
    await em.flush();

    const homestays: Homestay[] = [];
    for (let i = 0; i < 30; i++) {
      const b = i % businesses.length;
      const business = businesses[b];
      const city = i % 5 === 4 ? EXTRA_CITIES[i % 2] : BUSINESSES[b].city;
      const key = `homestay-${i + 1}`;
      const price = 19_800 + ((i * 3_700) % 60_000);
      homestays.push(
        em.create(Homestay, {
          title: `${city} ${NAMES[i % NAMES.length]} ${i + 1}`,
          subTitle: `${BUSINESSES[b].tags.split(',')[0]} · ${1 + (i % 3)} bedroom${i % 3 ? 's' : ''}`,
          banner: [1, 2, 3].map((n) => photo(key, n)).join(','),
          info: `A ${NAMES[i % NAMES.length].toLowerCase()} run by ${BUSINESSES[b].title} in ${city}. ${BUSINESSES[b].info}`,
          city,
          peopleNum: 2 + (i % 4) * 2,
          // Every fifth homestay has a single room, to show sold-out nights quickly.
          roomCount: i % 5 === 0 ? 1 : 2 + (i % 4),
          homestayBusinessId: business.id,
          userId: business.userId,
          rowState: i >= 28 ? ROW_STATE_OFF_SALE : ROW_STATE_ON_SALE,
          rowType: i % 6 === 5 ? ROW_TYPE_PER_PERSON : ROW_TYPE_PER_ROOM,
          foodInfo: i % 2 ? 'Breakfast: congee, baozi and fruit' : 'Breakfast and dinner, local dishes',
          foodPrice: i % 2 ? 3_800 : 8_800,
          homestayPrice: price,
          marketHomestayPrice: Math.round((price * 1.3) / 100) * 100,
          cancellationPolicy: CANCELLATION_POLICIES[i % CANCELLATION_POLICIES.length],
        } as Homestay),
      );
    }
    await em.flush();

    // Preferred: every homestay on sale except the last two (those are only in `scope: ALL`).
    for (const h of homestays.slice(0, 26)) {
      em.create(HomestayActivity, { rowType: ACTIVITY_PREFERRED_HOMESTAY, dataId: h.id, rowStatus: 1 } as HomestayActivity);
    }
    for (const b of businesses.slice(0, 3)) {
      em.create(HomestayActivity, { rowType: ACTIVITY_GOOD_BUSINESS, dataId: b.id, rowStatus: 1 } as HomestayActivity);
    }
    // Comments by the other landlords (the only demo users whose ids cross over to this database).
    homestays.forEach((h, i) => {
      for (let c = 0; c < i % 3; c++) {
        const { star, content } = GUEST_COMMENTS[(i + c) % GUEST_COMMENTS.length];
        const author = landlordIds[(i + c + 1) % landlordIds.length];
        em.create(HomestayComment, { homestayId: h.id, userId: author, star, content } as HomestayComment);
      }
    });
    await em.flush();
    context.homestayIds = homestays.map((h) => String(h.id));
    context.businessIds = businesses.map((b) => String(b.id));
  }
}
