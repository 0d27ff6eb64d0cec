import { isIP } from 'node:net';

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

function host(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^[A-Za-z0-9.:_-]+$/.test(raw)) throw new Error(`${name} must be an IP address or host name such as 127.0.0.1 or 0.0.0.0, got "${raw}"`);
  return raw;
}

/**
 * TRUST_PROXY as express's 'trust proxy' takes it: off (default), a number of proxy hops, or a
 * comma-separated list of proxy addresses, subnets (CIDR) and the names loopback, linklocal,
 * uniquelocal. Only then does the client address come from X-Forwarded-For, which anyone can send.
 */
export type TrustProxy = false | number | string[];
const TRUST_PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** An IP address, or a subnet in CIDR notation (10.0.0.0/8, fd00::/8). */
function isAddressOrSubnet(entry: string): boolean {
  const [address, bits, ...rest] = entry.split('/');
  const family = isIP(address!);
  if (!family || rest.length) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}

function trustProxy(raw: string | undefined): TrustProxy {
  const value = raw?.trim() ?? '';
  if (value === '' || value === 'false' || value === '0') return false;
  if (/^\d+$/.test(value)) return Number(value);
  if (value === 'true') {
    // express would take the leftmost X-Forwarded-For entry, which the client writes itself.
    throw new Error('TRUST_PROXY=true would let any client choose its own address: give the number of proxies in front of the gateway (1) or their addresses');
  }
  const entries = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (!entries.every((e) => TRUST_PROXY_NAMES.has(e) || isAddressOrSubnet(e))) {
    throw new Error(`TRUST_PROXY must be off (false), a number of proxy hops, or addresses, subnets (10.0.0.0/8) and loopback, linklocal, uniquelocal separated by commas, got "${raw}"`);
  }
  return entries;
}

function adminPort(raw: string, gatewayPort: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`ADMIN_PORT must be a port number (1-65535), got "${raw}"`);
  if (n === gatewayPort) throw new Error(`ADMIN_PORT must differ from GATEWAY_PORT (${gatewayPort}): the point is to keep operator endpoints off the public port`);
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
    /**
     * Address the subgraphs and the jobs process listen on: loopback unless a deployment reaches
     * them from other hosts (containers set 0.0.0.0); the gateway is the only public entry.
     */
    host: host(env, 'HOST', '127.0.0.1'),
    gatewayHost: host(env, 'GATEWAY_HOST', '0.0.0.0'),
    /** Port of the gateway's operator endpoints (/metrics, /healthz/subscriptions, /admin/queues); null keeps them on the public port. */
    adminPort: env.ADMIN_PORT ? adminPort(env.ADMIN_PORT, port('gateway')) : null,
    adminHost: host(env, 'ADMIN_HOST', '127.0.0.1'),
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
    /** WAIT_PAY orders one user may hold at once (no hoarding rooms by never paying). */
    orderMaxUnpaidPerUser: int(env, 'ORDER_MAX_UNPAID_PER_USER', 3),
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
    /** Open graphql-ws sockets one user may hold on one gateway process (0 = no limit). */
    subscriptionMaxConnectionsPerUser: int(env, 'SUBSCRIPTION_MAX_CONNECTIONS_PER_USER', 10),
    /**
     * Operations (subscribe messages) per second one socket may start once its first
     * SUBSCRIPTION_MAX_PER_CONNECTION are spent; more get RATE_LIMITED. 0 turns the limit off.
     */
    subscriptionSubscribeRate: int(env, 'SUBSCRIPTION_SUBSCRIBE_RATE', 20),
    /**
     * How long a process may take to shut down after SIGTERM (stop taking work, finish requests,
     * the running job and the Kafka batch, close sockets with 1001) before it gives up and exits 1.
     * Under Kubernetes' grace period (deploy/k8s: 40 s, minus the 5 s preStop).
     */
    shutdownTimeoutMs: parseDuration(env.SHUTDOWN_TIMEOUT ?? '25s', 'SHUTDOWN_TIMEOUT'),
    /** Interval of the server's WebSocket pings; a client that misses a pong is dropped. 0 turns them off. */
    subscriptionKeepAliveMs: parseDuration(env.SUBSCRIPTION_KEEP_ALIVE ?? '12s', 'SUBSCRIPTION_KEEP_ALIVE'),
    /** Events waiting for one slow subscriber before the oldest are dropped. */
    subscriptionMaxQueue: int(env, 'SUBSCRIPTION_MAX_QUEUE', 100),
    /** Deepest field nesting a client document may have (fragments flattened, introspection not counted). */
    queryMaxDepth: int(env, 'QUERY_MAX_DEPTH', 12),
    /** Most aliases a client document may use. */
    queryMaxAliases: int(env, 'QUERY_MAX_ALIASES', 30),
    /** Largest static cost of an operation (objects it can return, lists multiplied by first/last); see lib/query-cost.ts. */
    queryMaxCost: int(env, 'QUERY_MAX_COST', 5000),
    /** Most lexical tokens in a document, counted before parsing (subgraphs allow twice as many). */
    queryMaxTokens: int(env, 'QUERY_MAX_TOKENS', 3000),
    /** Most directives (`@…`) in a document, counted before parsing (subgraphs allow twice as many). */
    queryMaxDirectives: int(env, 'QUERY_MAX_DIRECTIVES', 50),
    /** Which proxies in front of the gateway may tell the client address (X-Forwarded-For); see trustProxy. */
    trustProxy: trustProxy(env.TRUST_PROXY),
    /**
     * Rate limits (lib/rate-limits.ts), counted in Redis so every instance shares them; 0 turns one off.
     * GraphQL requests (HTTP and socket operations) per client address per minute, at the gateway.
     */
    rateLimitIpPerMinute: int(env, 'RATE_LIMIT_IP_PER_MINUTE', 1200),
    /** login + register calls per client address per hour. */
    rateLimitAuthPerIp: int(env, 'RATE_LIMIT_AUTH_PER_IP', 60),
    /** Failed login calls per mobile per 15 minutes. */
    rateLimitLoginPerMobile: int(env, 'RATE_LIMIT_LOGIN_PER_MOBILE', 10),
    /** payOrder (and requestRefund) calls per user per minute. */
    rateLimitPayPerUser: int(env, 'RATE_LIMIT_PAY_PER_USER', 20),
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
  if (cfg.orderMaxUnpaidPerUser < 1) throw new Error('ORDER_MAX_UNPAID_PER_USER must be at least 1 (0 would refuse every booking)');
  for (const [name, value] of [['QUERY_MAX_COST', cfg.queryMaxCost], ['QUERY_MAX_TOKENS', cfg.queryMaxTokens], ['QUERY_MAX_DIRECTIVES', cfg.queryMaxDirectives]] as const) {
    if (value < 1) throw new Error(`${name} must be at least 1 (0 would refuse every query)`);
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
