import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { config } from '../../lib/config.js';
import { InfraError, PROJECT_ROOT, portOpen, waitFor, which } from './wait.js';

/**
 * The real Apache Kafka broker (KRaft, one node) on the machine's Java, for machines without
 * Docker. Its jars come from Maven Central once, through mvn, into .cache/kafka.
 */
export const KAFKA_VERSION = '4.1.1';
const CACHE = `${PROJECT_ROOT}.cache/kafka/${KAFKA_VERSION}`;

export interface BrokerOptions {
  port: number;
  controllerPort: number;
  dataDir: string;
}

export const DEFAULT_BROKER: BrokerOptions = { port: 9092, controllerPort: 9093, dataDir: `${PROJECT_ROOT}.data/kafka` };

export async function brokerAnswers(brokers: string[], timeoutMs = 3000): Promise<boolean> {
  const admin = new Kafka({ clientId: 'infra-probe', brokers, logLevel: logLevel.NOTHING, connectionTimeout: timeoutMs, retry: { retries: 0 } }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Fetches the broker's jars with mvn into the cache (once). */
export function kafkaJars(log: (m: string) => void): string {
  const libs = `${CACHE}/libs`;
  if (existsSync(libs) && readdirSync(libs).some((f) => f.startsWith('kafka_2.13-'))) return libs;
  if (!which('mvn')) throw new InfraError('Kafka is not running and Maven (mvn) is missing to fetch it: install maven, or set KAFKA_BROKERS to a running broker.');
  if (!which('java')) throw new InfraError('Kafka is not running and Java is missing to run it: install a JDK 17, or set KAFKA_BROKERS to a running broker.');
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(
    `${CACHE}/pom.xml`,
    `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>looklook-graph</groupId><artifactId>kafka-runtime</artifactId><version>1</version><packaging>pom</packaging>
<dependencies><dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${KAFKA_VERSION}</version></dependency></dependencies>
</project>\n`,
  );
  log(`fetching Apache Kafka ${KAFKA_VERSION} jars with mvn into ${libs}`);
  const r = spawnSync('mvn', ['-q', '-B', 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${libs}`], {
    cwd: CACHE,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    rmSync(libs, { recursive: true, force: true });
    throw new InfraError(`mvn could not fetch org.apache.kafka:kafka_2.13:${KAFKA_VERSION} from Maven Central: ${(r.stdout + r.stderr).trim().split('\n').slice(-3).join(' ')}`);
  }
  return libs;
}

function writeProperties(o: BrokerOptions): string {
  mkdirSync(`${o.dataDir}/log`, { recursive: true });
  const file = `${o.dataDir}/server.properties`;
  writeFileSync(
    file,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${o.controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${o.port},CONTROLLER://127.0.0.1:${o.controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${o.port}`,
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      `log.dirs=${o.dataDir}/log`,
      'num.partitions=3',
      'offsets.topic.replication.factor=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'share.coordinator.state.topic.replication.factor=1',
      'share.coordinator.state.topic.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      'auto.create.topics.enable=true',
      '',
    ].join('\n'),
  );
  return file;
}

const pidFile = (o: BrokerOptions) => `${o.dataDir}/kafka.pid`;

function runningPid(o: BrokerOptions): number | undefined {
  if (!existsSync(pidFile(o))) return undefined;
  const pid = Number(readFileSync(pidFile(o), 'utf8'));
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/** Starts a broker (detached: it outlives this process) and waits until it answers. */
export async function startBroker(o: BrokerOptions, log: (m: string) => void): Promise<string[]> {
  const brokers = [`127.0.0.1:${o.port}`];
  if (runningPid(o) && (await brokerAnswers(brokers))) return brokers;
  const libs = kafkaJars(log);
  const props = writeProperties(o);
  const cp = `${libs}/*`;
  if (!existsSync(`${o.dataDir}/log/meta.properties`)) {
    const id = spawnSync('java', ['-cp', cp, 'kafka.tools.StorageTool', 'random-uuid'], { encoding: 'utf8' }).stdout.trim().split('\n').pop()!;
    const fmt = spawnSync('java', ['-cp', cp, 'kafka.tools.StorageTool', 'format', '-t', id, '-c', props], { encoding: 'utf8' });
    if (fmt.status !== 0) throw new InfraError(`Kafka storage could not be formatted in ${o.dataDir}: ${fmt.stderr.trim().split('\n').pop()}`);
  }
  const out = openSync(`${o.dataDir}/server.log`, 'a');
  const child = spawn('java', ['-Xms256m', '-Xmx512m', '-XX:+UseG1GC', '-cp', cp, 'kafka.Kafka', props], {
    detached: true,
    stdio: ['ignore', out, out],
  });
  child.unref();
  writeFileSync(pidFile(o), String(child.pid));
  log(`started Apache Kafka ${KAFKA_VERSION} (KRaft) on ${brokers[0]}, pid ${child.pid}, data in ${o.dataDir}`);
  await waitFor(`Kafka on ${brokers[0]} (see ${o.dataDir}/server.log)`, () => brokerAnswers(brokers, 1500), 90_000, 500);
  return brokers;
}

/** Stops a broker started by startBroker and waits until its port is closed. */
export async function stopBroker(o: BrokerOptions): Promise<boolean> {
  const pid = runningPid(o);
  if (!pid) return false;
  process.kill(pid, 'SIGTERM');
  await waitFor('Kafka to stop', async () => runningPid(o) === undefined && !(await portOpen('127.0.0.1', o.port)), 60_000).catch(() => {
    process.kill(pid, 'SIGKILL');
  });
  rmSync(pidFile(o), { force: true });
  return true;
}

/**
 * KAFKA_BROKERS when set (it must answer); else a broker already on the default port is reused;
 * else the project's own broker is started.
 */
export async function ensureKafka(log: (m: string) => void): Promise<string[]> {
  const brokers = config().kafkaBrokers;
  if (await brokerAnswers(brokers)) return brokers;
  if (process.env.KAFKA_BROKERS) {
    throw new InfraError(`Kafka is not reachable at KAFKA_BROKERS=${process.env.KAFKA_BROKERS}: start it, or unset KAFKA_BROKERS to let the project run its own broker.`);
  }
  if (await portOpen('127.0.0.1', DEFAULT_BROKER.port)) {
    await waitFor('the process on port 9092 to answer as Kafka', () => brokerAnswers(brokers), 60_000, 1000);
    return brokers;
  }
  return startBroker(DEFAULT_BROKER, log);
}
