import { onShutdown } from '../lib/lifecycle.js';
import { startGateway } from './server.js';

const gateway = await startGateway();
onShutdown(gateway.close, gateway.log);
