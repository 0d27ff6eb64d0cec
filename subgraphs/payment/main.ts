import { startPaymentService } from './server.js';

await startPaymentService();
