import http from 'node:http';
import { createGatewayRuntime } from '@graphql-hive/gateway';
import { unifiedGraphHandler } from '@graphql-hive/router-runtime';

/**
 * (d) Hive Gateway with the Rust query planner of Hive Router (@graphql-hive/router-runtime, a
 * native addon), otherwise default settings, in one process. Env: PORT, SUPERGRAPH_PATH.
 */
const gateway = createGatewayRuntime({ supergraph: process.env.SUPERGRAPH_PATH!, unifiedGraphHandler });
const server = http.createServer(gateway);
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('READY'));
