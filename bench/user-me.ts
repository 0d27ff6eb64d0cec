import { CONTEXT_HEADER, signContext } from '../lib/internal-auth.js';
import { figure, loadGraphql, monotonicUs, phase, withBenchStack } from './support.js';

/** `me` through the gateway versus the same query straight at the user subgraph: the gateway's overhead. */
const ME = { query: '{ me { id nickname mobile } }' };
const secret = process.env.INTERNAL_SECRET ?? 'looklook-dev-internal-secret-change-me';
const duration = Number(process.env.BENCH_DURATION ?? 10);

await withBenchStack(
  async (stack) => {
    const reg = await fetch(stack.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation($i: RegisterInput!) { register(input: $i) { accessToken user { id } } }',
        variables: { i: { mobile: '13712345678', password: 'bench-password-1' } },
      }),
    }).then((r) => r.json());
    const { accessToken, user } = reg.data.register;

    const gatewayFrom = monotonicUs();
    const viaGateway = await loadGraphql(stack.graphqlUrl, ME, { duration, headers: { authorization: `Bearer ${accessToken}` } });
    phase('me.gateway', gatewayFrom);
    // A context signed once is valid for five minutes: enough for this run.
    const directFrom = monotonicUs();
    const direct = await loadGraphql(`${stack.url('user')}/graphql`, ME, {
      duration,
      headers: { [CONTEXT_HEADER]: signContext({ userId: user.id }, secret) },
    });
    phase('me.subgraph', directFrom);
    figure('me.gateway.rps', viaGateway.requestsPerSec, 'req/s', '`me` through the gateway, 50 connections');
    figure('me.gateway.p50', viaGateway.p50, 'ms', '`me` through the gateway, median latency');
    figure('me.gateway.p99', viaGateway.p99, 'ms', '`me` through the gateway, 99th percentile latency');
    figure('me.subgraph.rps', direct.requestsPerSec, 'req/s', '`me` straight at the user subgraph, 50 connections');
    figure('me.subgraph.p50', direct.p50, 'ms', '`me` straight at the user subgraph, median latency');
    figure('me.subgraph.p99', direct.p99, 'ms', '`me` straight at the user subgraph, 99th percentile latency');
    figure('me.gateway_vs_subgraph.ratio', viaGateway.requestsPerSec / direct.requestsPerSec, 'x', 'gateway req/s divided by direct subgraph req/s');
    if (viaGateway.non2xx + direct.non2xx + viaGateway.errors + direct.errors > 0) {
      console.error(`warning: ${viaGateway.non2xx + direct.non2xx} non-2xx, ${viaGateway.errors + direct.errors} errors`);
    }
  },
  { processes: ['user', 'gateway'] },
);
