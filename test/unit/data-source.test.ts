import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { CONTEXT_HEADER, verifyContext } from '../../lib/internal-auth.js';
import { SignedDataSource, type GatewayContext } from '../../gateway/data-source.js';

/**
 * SignedDataSource against a scripted subgraph: what it sends and how it reads the replies. It
 * overrides RemoteGraphQLDataSource's process, so an @apollo/gateway upgrade that changes what
 * the stock one does shows up here, not in production.
 */
describe('SignedDataSource', () => {
  const secret = 'unit-secret';
  const received: Array<{ headers: http.IncomingHttpHeaders; body: { query: string; variables?: unknown } }> = [];
  let reply: (body: { query: string }) => { status: number; type?: string; body: string; headers?: Record<string, string> };
  let server: http.Server;
  let url: string;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c));
      req.on('end', () => {
        const body = JSON.parse(raw) as { query: string };
        received.push({ headers: req.headers, body });
        const r = reply(body);
        // Answer a little later, so that concurrent identical fetches overlap.
        setTimeout(() => {
          res.writeHead(r.status, { 'content-type': r.type ?? 'application/json', ...r.headers });
          res.end(r.body);
        }, 20);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const options = (query: string, context: GatewayContext, restrict?: (hint: unknown) => void) =>
    ({
      kind: 'incoming operation',
      request: { query, variables: { a: 1 } },
      context,
      incomingRequestContext: { context, overallCachePolicy: restrict ? { restrict } : undefined },
    }) as unknown as GraphQLDataSourceProcessOptions<GatewayContext>;

  it('signs the caller, sends the query as JSON and narrows the cache policy by Cache-Control', async () => {
    received.length = 0;
    reply = () => ({ status: 200, body: '{"data":{"x":1}}', headers: { 'cache-control': 'max-age=30, private' } });
    const hints: unknown[] = [];
    const res = await new SignedDataSource(url, secret, 'unit').process(options('{ x }', { userId: '7', requestId: 'r1' }, (h) => hints.push(h)));
    expect(res.data).toEqual({ x: 1 });
    expect(received).toHaveLength(1);
    expect(received[0]!.body).toEqual({ query: '{ x }', variables: { a: 1 } });
    expect(received[0]!.headers['content-type']).toBe('application/json');
    expect(verifyContext(received[0]!.headers[CONTEXT_HEADER] as string, secret)).toMatchObject({ userId: '7', requestId: 'r1' });
    expect(hints).toEqual([{ maxAge: 30, scope: 'PRIVATE' }]);
  });

  it('never sends the credential to a subgraph of no secret', async () => {
    received.length = 0;
    reply = () => ({ status: 200, body: '{"data":{"x":1}}' });
    await new SignedDataSource(url, null, 'other').process(options('{ x }', { userId: '7', requestId: 'r1' }));
    expect(received[0]!.headers[CONTEXT_HEADER]).toBeUndefined();
  });

  it('shares one call between identical queries in flight, never between users or mutations', async () => {
    received.length = 0;
    reply = () => ({ status: 200, body: '{"data":{"x":1}}' });
    const source = new SignedDataSource(url, secret, 'unit');
    const ctx = { userId: '7', requestId: 'r1' };
    const results = await Promise.all([
      source.process(options('{ x }', ctx)),
      source.process(options('{ x }', ctx)),
      source.process(options('{ x }', { userId: '8', requestId: 'r2' })),
      source.process(options('mutation { y }', ctx)),
      source.process(options('mutation { y }', ctx)),
    ]);
    expect(received).toHaveLength(4);
    // Each caller gets an object of its own (the gateway merges into it).
    expect(results[0]).not.toBe(results[1]);
    expect(results[0]!.data).toEqual(results[1]!.data);
  });

  it('answers a fetch asked again within one query operation from its first reply, whatever the planner named it; not within a mutation operation', async () => {
    let n = 0;
    reply = () => ({ status: 200, body: JSON.stringify({ data: { x: ++n } }) });
    const source = new SignedDataSource(url, secret, 'unit');
    const ctx = { userId: '7', requestId: 'r1' };
    const inOperation = (kind: 'query' | 'mutation') => {
      const operation = { context: ctx, operation: { operation: kind } };
      return (query: string, variables: Record<string, unknown> = { a: 1 }) =>
        source.process({ kind: 'incoming operation', request: { query, variables }, context: ctx, incomingRequestContext: operation } as unknown as GraphQLDataSourceProcessOptions<GatewayContext>);
    };
    received.length = 0;
    const fetch = inOperation('query');
    const first = await fetch('query Q__unit__2($a:Int){x}');
    const again = await fetch('query Q__unit__6($a:Int){x}');
    const other = await fetch('query Q__unit__7($a:Int){x}', { a: 2 });
    expect(received).toHaveLength(2);
    expect(again.data).toEqual(first.data);
    expect(again).not.toBe(first);
    expect(other.data).toEqual({ x: 2 });
    // Another operation asks anew.
    expect((await inOperation('query')('query Q__unit__2($a:Int){x}')).data).toEqual({ x: 3 });
    // Within a mutation operation every fetch runs: a later one must see what the mutation changed.
    received.length = 0;
    const inMutation = inOperation('mutation');
    await inMutation('query M__unit__1($a:Int){x}');
    expect((await inMutation('query M__unit__3($a:Int){x}')).data).toEqual({ x: 5 });
    expect(received).toHaveLength(2);
  });

  it('sends each entity of an entity fetch once, and answers one item per representation in its order', async () => {
    received.length = 0;
    // The scripted subgraph answers each representation it got with its id; the one of id 9 has an error.
    reply = () => {
      const reps = (received.at(-1)!.body.variables as { representations: { id: string }[] }).representations;
      return {
        status: 200,
        body: JSON.stringify({
          data: { _entities: reps.map((r) => (r.id === '9' ? null : { nickname: `n${r.id}`, more: { id: r.id } })) },
          errors: [{ message: 'gone', path: ['_entities', reps.findIndex((r) => r.id === '9'), 'nickname'] }, { message: 'no path' }],
        }),
      };
    };
    const representations = ['3', '4', '3', '9', '3', '9'].map((id) => ({ __typename: 'User', id }));
    const ctx = { userId: null, requestId: 'r1' };
    const query = 'query($representations:[_Any!]!){_entities(representations:$representations){...on User{nickname}}}';
    const res = await new SignedDataSource(url, secret, 'unit').process({
      ...options(query, ctx),
      request: { query, variables: { representations, other: 1 } },
    } as GraphQLDataSourceProcessOptions<GatewayContext>);
    expect(received).toHaveLength(1);
    expect(received[0]!.body.variables).toEqual({ representations: ['3', '4', '9'].map((id) => ({ __typename: 'User', id })), other: 1 });
    const entities = (res.data as { _entities: unknown[] })._entities;
    expect(entities).toEqual([
      { nickname: 'n3', more: { id: '3' } },
      { nickname: 'n4', more: { id: '4' } },
      { nickname: 'n3', more: { id: '3' } },
      null,
      { nickname: 'n3', more: { id: '3' } },
      null,
    ]);
    // Copies, not one object thrice: the gateway merges later fetches into each place in turn.
    expect(entities[2]).not.toBe(entities[0]);
    expect((entities[4] as { more: unknown }).more).not.toBe((entities[0] as { more: unknown }).more);
    expect(res.errors).toEqual([
      { message: 'gone', path: ['_entities', 3, 'nickname'] },
      { message: 'gone', path: ['_entities', 5, 'nickname'] },
      { message: 'no path' },
    ]);
  });

  it('sends distinct entities and every other variable as they are, and a fetch of no variables without any', async () => {
    received.length = 0;
    reply = () => ({ status: 200, body: '{"data":{"_entities":[{"nickname":"a"},{"nickname":"b"}]}}' });
    const query = 'query($representations:[_Any!]!,$f:F){_entities(representations:$representations){...on User{nickname}}}';
    const variables = { f: { deep: [1, 'two', null] }, representations: [{ __typename: 'User', id: '1' }, { __typename: 'User', id: '2', extra: { a: true } }] };
    const ctx = { userId: null, requestId: 'r2' };
    const res = await new SignedDataSource(url, secret, 'unit').process({ ...options(query, ctx), request: { query, variables } } as GraphQLDataSourceProcessOptions<GatewayContext>);
    expect(received[0]!.body.variables).toEqual(variables);
    expect(res.data).toEqual({ _entities: [{ nickname: 'a' }, { nickname: 'b' }] });
    await new SignedDataSource(url, secret, 'unit').process({ ...options('{ x }', ctx), request: { query: '{ x }' } } as GraphQLDataSourceProcessOptions<GatewayContext>);
    expect(received[1]!.body.query).toBe('{ x }');
    expect(received[1]!.body.variables ?? null).toBeNull();
  });

  it('reads a 400 with GraphQL errors as a GraphQL response, and any other failure as an HTTP error', async () => {
    const source = new SignedDataSource(url, secret, 'unit');
    const ctx = { userId: '7', requestId: 'r1' };
    reply = () => ({ status: 400, body: '{"errors":[{"message":"bad value","extensions":{"code":"BAD_USER_INPUT"}}]}' });
    const res = await source.process(options('{ bad }', ctx));
    expect(res.errors).toEqual([{ message: 'bad value', extensions: { code: 'BAD_USER_INPUT' } }]);

    reply = () => ({ status: 401, body: '{"errors":[{"message":"no"}]}' });
    await expect(source.process(options('{ denied }', ctx))).rejects.toMatchObject({
      message: '401: ',
      extensions: { code: 'UNAUTHENTICATED', response: { status: 401 } },
    });
    reply = () => ({ status: 502, type: 'text/plain', body: 'bad gateway' });
    await expect(source.process(options('{ down }', ctx))).rejects.toMatchObject({ extensions: { response: { status: 502, body: 'bad gateway' } } });
  });
});
