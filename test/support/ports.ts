import net from 'node:net';

/**
 * `count` distinct ports the OS reports free right now (tests run their own servers beside the dev
 * stack). Every port is held until all are picked: a port closed at once may be handed out again
 * by the next listen(0), and a stack once gave its order and jobs processes the same port (the
 * jobs process answered the gateway's `POST /graphql` with 404).
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const srv = net.createServer();
      servers.push(srv);
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(0, '127.0.0.1', resolve);
      });
    }
    return servers.map((srv) => (srv.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((srv) => new Promise((resolve) => srv.close(resolve))));
  }
}

/** A port the OS reports free right now. */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}
