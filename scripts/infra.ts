import { ensureInfra, InfraError } from './infra/index.js';
import { DEFAULT_BROKER, stopBroker } from './infra/kafka.js';

const command = process.argv[2] ?? 'up';
try {
  if (command === 'up') {
    await ensureInfra();
    console.log('[infra] MySQL, Redis and Kafka are up');
  } else if (command === 'down') {
    console.log((await stopBroker(DEFAULT_BROKER)) ? '[infra] stopped the project Kafka broker' : '[infra] no project Kafka broker was running');
  } else {
    console.error('usage: tsx scripts/infra.ts up|down');
    process.exit(2);
  }
} catch (err) {
  if (err instanceof InfraError) {
    console.error(`[infra] ${err.message}`);
    process.exit(1);
  }
  throw err;
}
