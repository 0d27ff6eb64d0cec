import type { Logger } from 'pino';

/**
 * A long-running part of the jobs process: a worker, a scheduler or a consumer. Services export
 * theirs (subgraphs/<svc>/mq/index.ts); jobs/main.ts only starts them.
 */
export interface JobRunner {
  name: string;
  start(log: Logger): Promise<{ close(): Promise<void> }>;
}
