import express from 'express';
import { config } from '../lib/config.js';
import { closeServer, listen } from '../lib/http.js';
import { onShutdown } from '../lib/lifecycle.js';
import { createLogger } from '../lib/logger.js';
import { startTracing, stopTracing } from '../lib/tracing.js';
import { startJobs } from './registry.js';
import { mountJobsOps } from './ops.js';

/**
 * The jobs process: BullMQ workers and schedulers and the Kafka consumers. Any number of them may
 * run; BullMQ and Kafka consumer groups share the work out.
 */
const log = createLogger('jobs');
await startTracing('jobs');
const running = await startJobs(log);

const app = express();
app.get('/healthz', (_req, res) => void res.json({ status: 'ok', jobs: running.names }));
const ops = mountJobsOps(app); // /metrics and /readyz
const server = await listen(app, config().ports.jobs);
log.info({ port: config().ports.jobs, jobs: running.names }, 'jobs process ready');

onShutdown(async () => {
  await closeServer(server);
  await running.close();
  await ops.close();
  await stopTracing();
}, log);
