/**
 * Configuration from environment variables, with defaults for local work.
 * Read once per process; a bad value stops the process at start with a clear message.
 */

export const DEFAULT_SANDBOX_SECRET = 'looklook-dev-sandbox-secret';
const DEFAULT_ACCESS_SECRET = 'looklook-dev-access-secret-change-me';
const DEFAULT_INTERNAL_SECRET = 'looklook-dev-internal-secret-change-me';

export type ServiceName = 'user' | 'homestay' | 'order' | 'payment';
export const SERVICES: readonly ServiceName[] = ['user', 'homestay', 'order', 'payment'];

const DEFAULT_PORTS: Record<ServiceName | 'gateway' | 'jobs', number> = {
  gateway: 4000,
  user: 4001,
  homestay: 4002,
  order: 4003,
  payment: 4004,
  jobs: 4005,
};

/** Parses `1500`, `1500ms`, `30s`, `30m`, `2h` into milliseconds. */
export function parseDuration(value: string, name: string): number {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(value.trim());
  if (!m) throw new Error(`${name} must be a duration like 1500, 30s, 30m or 2h, got "${value}"`);
  const n = Number(m[1]);
  const unit = m[2] ?? 'ms';
  return n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit]!;
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const nodeEnv = env.NODE_ENV ?? 'development';
  const isProduction = nodeEnv === 'production';
  const namespace = env.NAMESPACE ?? 'looklook';
  if (!/^[a-z][a-z0-9_]{0,30}$/.test(namespace)) {
    throw new Error(`NAMESPACE must be lowercase letters, digits or _ (at most 31), got "${namespace}"`);
  }
  const port = (name: keyof typeof DEFAULT_PORTS) =>
    int(env, `${name.toUpperCase()}_PORT`, DEFAULT_PORTS[name]);
  const subgraphUrl = (name: ServiceName) =>
    env[`${name.toUpperCase()}_URL`] ?? `http://127.0.0.1:${port(name)}`;

  const cfg = {
    nodeEnv,
    isProduction,
    namespace,
    logLevel: env.LOG_LEVEL ?? (nodeEnv === 'test' ? 'warn' : 'info'),
    mysqlUrl: env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306',
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    kafkaBrokers: (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((s) => s.trim()).filter(Boolean),
    ports: {
      gateway: port('gateway'),
      user: port('user'),
      homestay: port('homestay'),
      order: port('order'),
      payment: port('payment'),
      jobs: port('jobs'),
    },
    /** Base URL (no path) of each subgraph, for the gateway and for internal service calls. */
    urls: {
      user: subgraphUrl('user'),
      homestay: subgraphUrl('homestay'),
      order: subgraphUrl('order'),
      payment: subgraphUrl('payment'),
    } as Record<ServiceName, string>,
    supergraphPath: env.SUPERGRAPH_PATH ?? new URL('../supergraph.graphql', import.meta.url).pathname,
    accessSecret: env.JWT_ACCESS_SECRET ?? DEFAULT_ACCESS_SECRET,
    accessExpireSeconds: int(env, 'JWT_ACCESS_EXPIRE', 7 * 24 * 3600),
    internalSecret: env.INTERNAL_SECRET ?? DEFAULT_INTERNAL_SECRET,
    orderPayTimeoutMs: parseDuration(env.ORDER_PAY_TIMEOUT ?? '30m', 'ORDER_PAY_TIMEOUT'),
    paymentSandboxSecret: env.PAYMENT_SANDBOX_SECRET ?? DEFAULT_SANDBOX_SECRET,
    /** How often the jobs process sweeps overdue WAIT_PAY orders and orphaned room reservations. */
    orderSweepIntervalMs: parseDuration(env.ORDER_SWEEP_INTERVAL ?? '30s', 'ORDER_SWEEP_INTERVAL'),
    /** A booking PENDING this long is failed by the sweep, and a reservation this old without a live order released. */
    orderOrphanAgeMs: parseDuration(env.ORDER_ORPHAN_AGE ?? '2m', 'ORDER_ORPHAN_AGE'),
    appTimezone: env.APP_TIMEZONE ?? 'Asia/Shanghai',
    /** Cron pattern of the settle-record job (looklook: every minute). */
    settleRecordCron: env.SETTLE_RECORD_CRON ?? '* * * * *',
    playgroundEnabled: env.PLAYGROUND_ENABLED ? env.PLAYGROUND_ENABLED === 'true' : !isProduction,
    /** Live subscriptions (graphql-ws) one WebSocket connection may hold at once. */
    subscriptionMaxPerConnection: int(env, 'SUBSCRIPTION_MAX_PER_CONNECTION', 100),
    /** Interval of the server's WebSocket pings; a client that misses a pong is dropped. 0 turns them off. */
    subscriptionKeepAliveMs: parseDuration(env.SUBSCRIPTION_KEEP_ALIVE ?? '12s', 'SUBSCRIPTION_KEEP_ALIVE'),
    /** Events waiting for one slow subscriber before the oldest are dropped. */
    subscriptionMaxQueue: int(env, 'SUBSCRIPTION_MAX_QUEUE', 100),
    /** Deepest field nesting a client document may have (fragments flattened, introspection not counted). */
    queryMaxDepth: int(env, 'QUERY_MAX_DEPTH', 12),
    /** Most aliases a client document may use. */
    queryMaxAliases: int(env, 'QUERY_MAX_ALIASES', 30),
    /** Basic-auth credential of the gateway's /admin/queues (Bull Board); no password in production disables it. */
    adminUser: env.ADMIN_USER ?? 'admin',
    adminPassword: env.ADMIN_PASSWORD ?? (isProduction ? null : 'looklook-dev-admin'),
  };

  if (isProduction) {
    const defaults: Array<[string, boolean]> = [
      ['JWT_ACCESS_SECRET', cfg.accessSecret === DEFAULT_ACCESS_SECRET],
      ['INTERNAL_SECRET', cfg.internalSecret === DEFAULT_INTERNAL_SECRET],
      ['PAYMENT_SANDBOX_SECRET', cfg.paymentSandboxSecret === DEFAULT_SANDBOX_SECRET],
    ];
    const missing = defaults.filter(([, isDefault]) => isDefault).map(([n]) => n);
    if (missing.length) throw new Error(`NODE_ENV=production refuses the development defaults of ${missing.join(', ')}: set them.`);
  }
  if (!/^\S+( \S+){4,5}$/.test(cfg.settleRecordCron.trim())) {
    throw new Error(`SETTLE_RECORD_CRON must be a cron pattern of 5 or 6 fields, got "${cfg.settleRecordCron}"`);
  }
  try {
    new Intl.DateTimeFormat('en-CA', { timeZone: cfg.appTimezone });
  } catch {
    throw new Error(`APP_TIMEZONE must be an IANA time zone such as Asia/Shanghai, got "${cfg.appTimezone}"`);
  }
  return cfg;
}

export type Config = ReturnType<typeof loadConfig>;

let cached: Config | undefined;
/** The process-wide configuration, read from process.env on first use. */
export function config(): Config {
  cached ??= loadConfig();
  return cached;
}

/** Database name of a service inside the namespace (tests run in a namespace of their own). */
export function databaseName(service: ServiceName, cfg: Config = config()): string {
  return `${cfg.namespace}_${service}`;
}

/** Kafka topic or consumer group name; the default namespace keeps the contract's plain names. */
export function kafkaName(name: string, cfg: Config = config()): string {
  return cfg.namespace === 'looklook' ? name : `${cfg.namespace}.${name}`;
}
