import type { ServiceDatabase } from '../lib/database.js';
import type { ServiceName } from '../lib/config.js';
import { homestayDatabase } from '../subgraphs/homestay/database.js';
import { orderDatabase } from '../subgraphs/order/database.js';
import { paymentDatabase } from '../subgraphs/payment/database.js';
import { userDatabase } from '../subgraphs/user/database.js';

/** Every service's database, for the scripts that handle them all (migrate, seed, tests' setup). */
export const DATABASES: Record<ServiceName, ServiceDatabase> = {
  user: userDatabase,
  homestay: homestayDatabase,
  order: orderDatabase,
  payment: paymentDatabase,
};
