import { randomBytes, randomUUID } from 'node:crypto';
import { Queue, type Job } from 'bullmq';
import mysql from 'mysql2/promise';
import { figure } from './support.js';

/**
 * What the infrastructure alone can do on this machine, the floors the product's own figures are
 * read against (a booking cannot commit faster than MySQL, a payment event cannot travel faster
 * than Kafka, a close cannot start sooner than BullMQ hands the job over):
 * 1. floor.mysql.commit.rps: single-row INSERTs, autocommit, 50 connections;
 * 2. floor.kafka.roundtrip.p50/p99: produce (acks=all) → consume on the same broker, one message
 *    at a time;
 * 3. floor.bullmq.lateness.p99: 1,000 delayed jobs due at the same moment, a no-op processor with
 *    the product's worker options and the close-order worker's concurrency.
 * Run alone: `npx tsx bench/floors.ts` (BENCH_DURATION seconds for the MySQL run, default 10).
 */
const namespace = `tf${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
process.env.NAMESPACE = namespace;
const { ensureInfra } = await import('../scripts/infra/index.js');
const { config } = await import('../lib/config.js');
const { createRedis } = await import('../lib/redis.js');
const { createKafka } = await import('../lib/kafka.js');
const { queueOptions } = await import('../lib/queues.js');
const { startWorker } = await import('../lib/queues.js');
const { createLogger } = await import('../lib/logger.js');
const { CLOSE_ORDER_CONCURRENCY } = await import('../subgraphs/order/mq/queues.js');

const duration = Number(process.env.BENCH_DURATION ?? 10) * 1000;
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;

async function mysqlFloor(): Promise<void> {
  const db = `${namespace}_floor`;
  const admin = await mysql.createConnection(config().mysqlUrl);
  await admin.query(`create database \`${db}\``);
  const pool = mysql.createPool({ uri: `${config().mysqlUrl}/${db}`, connectionLimit: 50 });
  try {
    await pool.query('create table t (id bigint unsigned auto_increment primary key, sn varchar(32) not null, amount int not null, created datetime(3) not null) engine = InnoDB');
    let done = 0;
    const end = Date.now() + duration;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (Date.now() < end) {
          await pool.execute('insert into t (sn, amount, created) values (?, ?, now(3))', [randomUUID().slice(0, 32), 100]);
          done += 1;
        }
      }),
    );
    figure('floor.mysql.commit.rps', done / ((Date.now() - started) / 1000), 'req/s', 'single-row INSERT, autocommit, 50 connections');
  } finally {
    await pool.end();
    await admin.query(`drop database if exists \`${db}\``);
    await admin.end();
  }
}

async function kafkaFloor(): Promise<void> {
  const kafka = createKafka('bench-floor');
  const topic = `${namespace}-floor-roundtrip`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  const consumer = kafka.consumer({ groupId: `${namespace}-floor`, maxWaitTimeInMs: 100 });
  await Promise.all([producer.connect(), consumer.connect()]);
  await consumer.subscribe({ topic, fromBeginning: true });
  const waiting = new Map<string, (at: number) => void>();
  await consumer.run({ eachMessage: async ({ message }) => waiting.get(message.key!.toString())?.(performance.now()) });
  // The group must own the partition before the clock starts: a first message waits for the join.
  for (let warm = 0; warm < 20; warm++) await roundtrip();
  const times: number[] = [];
  for (let i = 0; i < 500; i++) times.push(await roundtrip());
  times.sort((a, b) => a - b);
  figure('floor.kafka.roundtrip.p50', pct(times, 50), 'ms', 'produce (acks=all) → consume on the same broker, one message at a time, 500 messages');
  figure('floor.kafka.roundtrip.p99', pct(times, 99), 'ms', 'produce (acks=all) → consume on the same broker, one message at a time, 500 messages');
  await consumer.disconnect();
  await producer.disconnect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.deleteGroups([`${namespace}-floor`]).catch(() => undefined);
  await admin.disconnect();

  async function roundtrip(): Promise<number> {
    const key = randomUUID();
    const got = new Promise<number>((resolve) => waiting.set(key, resolve));
    const sent = performance.now();
    await producer.send({ topic, acks: -1, messages: [{ key, value: 'x' }] });
    const at = await got;
    waiting.delete(key);
    return at - sent;
  }
}

async function bullmqFloor(): Promise<void> {
  const name = 'floor-lateness';
  const connection = createRedis();
  const queue = new Queue(name, queueOptions(connection));
  const late: number[] = [];
  const log = createLogger('bench-floor');
  // The close-order worker's concurrency and the product's worker options (lib/queues.ts).
  const worker = await startWorker(name, async (job: Job) => void late.push(Date.now() - (job.timestamp + (job.opts.delay ?? 0))), { concurrency: CLOSE_ORDER_CONCURRENCY, log });
  const due = Date.now() + 3000;
  await queue.addBulk(Array.from({ length: 1000 }, (_, i) => ({ name: 'noop', data: { i }, opts: { delay: due - Date.now(), removeOnComplete: true } })));
  const deadline = Date.now() + 60_000;
  while (late.length < 1000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  late.sort((a, b) => a - b);
  figure('floor.bullmq.lateness.p99', pct(late, 99), 'ms', `${late.length} delayed jobs due at the same moment, no-op processor, concurrency ${CLOSE_ORDER_CONCURRENCY}, the product's worker options`);
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
}

await ensureInfra(() => undefined);
await mysqlFloor();
await kafkaFloor();
await bullmqFloor();
process.exit(0);
