import http from 'node:http';
import { createGatewayRuntime } from '@graphql-hive/gateway';

/** (c) Hive Gateway's runtime (@graphql-hive/gateway) with default settings, in one process. Env: PORT, SUPERGRAPH_PATH. */
const gateway = createGatewayRuntime({ supergraph: process.env.SUPERGRAPH_PATH! });
const server = http.createServer(gateway);
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('READY'));
