import { startPaymentService } from './app.js';

await startPaymentService();
