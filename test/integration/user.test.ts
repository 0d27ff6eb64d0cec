import { describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import mysql from 'mysql2/promise';
import { CONTEXT_HEADER, signContext } from '../../lib/internal-auth.js';
import { errorCode, gatewayUrl, gql, internalPost, internalSecret, processUrl, signUp, testNamespace, uniqueMobile } from '../support/gql.js';

const REGISTER = `mutation($input: RegisterInput!) {
  register(input: $input) { accessToken accessExpire refreshAfter user { id mobile nickname } }
}`;
const LOGIN = `mutation($input: LoginInput!) { login(input: $input) { accessToken user { id nickname } } }`;
const ME = `{ me { id mobile nickname sex avatar info } }`;

async function countUsers(mobile: string): Promise<number> {
  const conn = await mysql.createConnection({ uri: process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306', database: `${testNamespace()}_user` });
  try {
    const [rows] = await conn.query('select count(*) as n from `user` where mobile = ?', [mobile]);
    return Number((rows as { n: number }[])[0].n);
  } finally {
    await conn.end();
  }
}

describe('user subgraph through the gateway', () => {
  it('registers, logs in, reads and updates me', async () => {
    const mobile = uniqueMobile();
    const reg = await gql(REGISTER, { input: { mobile, password: 'secret-pass-1', nickname: 'Xiao Ming' } });
    expect(reg.errors).toBeUndefined();
    const payload = reg.data.register;
    expect(payload.user).toMatchObject({ mobile, nickname: 'Xiao Ming' });
    const lifetime = Date.parse(payload.accessExpire) - Date.now();
    const refresh = Date.parse(payload.refreshAfter) - Date.now();
    expect(lifetime).toBeGreaterThan(3600_000);
    // refreshAfter is half the lifetime, as looklook.
    expect(Math.abs(refresh - lifetime / 2)).toBeLessThan(5_000);

    const login = await gql(LOGIN, { input: { mobile, password: 'secret-pass-1' } });
    expect(login.data.login.user.id).toBe(payload.user.id);

    const me = await gql(ME, {}, { token: login.data.login.accessToken });
    expect(me.data.me).toMatchObject({ id: payload.user.id, mobile, nickname: 'Xiao Ming', sex: 'MALE' });

    const upd = await gql(
      `mutation($input: UpdateMeInput!) { updateMe(input: $input) { nickname sex avatar info } }`,
      { input: { nickname: 'Ming', sex: 'FEMALE', avatar: 'https://img.example/a.png', info: 'hi' } },
      { token: payload.accessToken },
    );
    expect(upd.data.updateMe).toEqual({ nickname: 'Ming', sex: 'FEMALE', avatar: 'https://img.example/a.png', info: 'hi' });
    const again = await gql(ME, {}, { token: payload.accessToken });
    expect(again.data.me.nickname).toBe('Ming');
  });

  it('gives a default nickname when none is given', async () => {
    const mobile = uniqueMobile();
    const reg = await gql(REGISTER, { input: { mobile, password: 'secret-pass-1' } });
    expect(reg.data.register.user.nickname).toBe(`LookLook${mobile.slice(-4)}`);
  });

  it('refuses a duplicate mobile with CONFLICT and writes nothing more', async () => {
    const { mobile } = await signUp();
    const r = await gql(REGISTER, { input: { mobile, password: 'another-pass-2' } });
    expect(errorCode(r)).toBe('CONFLICT');
    expect(await countUsers(mobile)).toBe(1);
  });

  it.each([
    ['malformed mobile', { mobile: '12345', password: 'secret-pass-1' }, 'input.mobile'],
    ['mobile with letters', { mobile: '1380013800a', password: 'secret-pass-1' }, 'input.mobile'],
    ['short password', { mobile: '13700000000', password: 'short' }, 'input.password'],
    ['long password', { mobile: '13700000000', password: 'x'.repeat(65) }, 'input.password'],
  ])('refuses %s with BAD_USER_INPUT naming the field', async (_name, input, field) => {
    const mobile = input.mobile === '13700000000' ? uniqueMobile() : input.mobile;
    const r = await gql(REGISTER, { input: { ...input, mobile } });
    expect(errorCode(r)).toBe('BAD_USER_INPUT');
    expect(r.errors![0].extensions!.argumentName).toBe(field);
    expect(await countUsers(mobile)).toBe(0);
  });

  it('answers a wrong password and an unknown mobile with the same UNAUTHENTICATED error', async () => {
    const { mobile } = await signUp();
    const wrong = await gql(LOGIN, { input: { mobile, password: 'not-the-password' } });
    const unknown = await gql(LOGIN, { input: { mobile: uniqueMobile(), password: 'not-the-password' } });
    expect(errorCode(wrong)).toBe('UNAUTHENTICATED');
    expect(errorCode(unknown)).toBe('UNAUTHENTICATED');
    expect(wrong.errors![0].message).toBe(unknown.errors![0].message);
  });

  it('refuses me without, with malformed, forged or expired tokens', async () => {
    const { userId } = await signUp();
    const none = await gql(ME);
    expect(errorCode(none)).toBe('UNAUTHENTICATED');
    const forgedKey = new TextEncoder().encode('not-the-platform-secret');
    const forged = await new SignJWT({ jwtUserId: userId }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(forgedKey);
    const realKey = new TextEncoder().encode(process.env.JWT_ACCESS_SECRET ?? 'looklook-dev-access-secret-change-me');
    const expired = await new SignJWT({ jwtUserId: userId })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
      .sign(realKey);
    for (const token of ['garbage', 'a.b.c', forged, expired]) {
      const r = await gql(ME, {}, { token });
      expect(errorCode(r), token).toBe('UNAUTHENTICATED');
      expect(r.data?.me ?? null).toBeNull();
    }
  });

  it('shows the full mobile to its owner only', async () => {
    const owner = await signUp();
    const other = await signUp();
    const q = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on User { mobile } } }`;
    // Read another user's mobile the way the gateway does for federated fields (landlords, say).
    const me = await gql(ME, {}, { token: owner.token });
    expect(me.data.me.mobile).toBe(owner.mobile);
    const viaSubgraph = await fetch(`${processUrl('user')}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [CONTEXT_HEADER]: signContext({ userId: other.userId }, internalSecret()) },
      body: JSON.stringify({ query: q, variables: { reps: [{ __typename: 'User', id: owner.userId }] } }),
    }).then((r) => r.json());
    expect(viaSubgraph.data._entities[0].mobile).toBe(`${owner.mobile.slice(0, 3)}****${owner.mobile.slice(-4)}`);
  });

  it('serves queries over GET to clients that say so, and refuses simple (CSRF-able) requests', async () => {
    const url = `${gatewayUrl()}/graphql?query=${encodeURIComponent('{ __typename }')}`;
    const ok = await fetch(url, { headers: { 'apollo-require-preflight': 'true' } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ data: { __typename: 'Query' } });
    // A plain GET (what an <img> or a form on another site could send) is refused by CSRF prevention.
    expect((await fetch(url)).status).toBe(400);
    // Mutations never run over GET.
    const mutation = await fetch(`${gatewayUrl()}/graphql?query=${encodeURIComponent('mutation { login(input: { mobile: "13800000001", password: "x" }) { accessToken } }')}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(mutation.status).toBe(405);
  });

  it('answers a malformed or oversized body with a JSON error and its code, and keeps serving', async () => {
    const post = (body: string) => fetch(`${gatewayUrl()}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const bad = await post('{"query": "{ me { id } }"');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/json');
    expect(((await bad.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('BAD_REQUEST');
    const big = await post(JSON.stringify({ query: `{ __typename }`, variables: { pad: 'x'.repeat(2 * 1024 * 1024) } }));
    expect(big.status).toBe(413);
    expect(((await big.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('PAYLOAD_TOO_LARGE');
    const direct = await fetch(`${processUrl('user')}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [CONTEXT_HEADER]: signContext({}, internalSecret()) },
      body: '{not json',
    });
    expect(direct.status).toBe(400);
    expect(((await direct.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('BAD_REQUEST');
    expect((await gql('{ __typename }')).data).toEqual({ __typename: 'Query' });
  });

  it('refuses documents nested too deep or with too many aliases before planning, and writes nothing', async () => {
    // business → homestays → edges → node is one round trip of 4 levels; QUERY_MAX_DEPTH is 12.
    const nested = (rounds: number) =>
      `{ business(id: "1") { ${'homestays(first: 1) { edges { node { business { '.repeat(rounds)}id${' } } } }'.repeat(rounds)} } }`;
    const ok = await gql(nested(2)); // depth 1 + 4 + 4 + 1 = 10
    expect(ok.errors).toBeUndefined();
    const deep = await gql(nested(3)); // depth 14
    expect(deep.status).toBe(400);
    expect(errorCode(deep)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(deep.errors![0]!.message).toBe('Query depth limit of 12 exceeded, found 14.');
    // Fragments add no depth, and a fragment cycle is an ordinary validation error, not a crash.
    const viaFragment = await gql(`{ business(id: "1") { ...B } } fragment B on HomestayBusiness { homestays(first: 1) { edges { node { id } } } }`);
    expect(viaFragment.errors).toBeUndefined();
    const cycle = await gql(`{ business(id: "1") { ...A } } fragment A on HomestayBusiness { landlord { id } ...B } fragment B on HomestayBusiness { ...A }`);
    expect(errorCode(cycle)).toBe('GRAPHQL_VALIDATION_FAILED');

    // 31 aliased registrations (QUERY_MAX_ALIASES is 30): refused as a whole, no user created.
    const mobiles = Array.from({ length: 31 }, () => uniqueMobile());
    const many = await gql(
      `mutation { ${mobiles.map((m, i) => `r${i}: register(input: { mobile: "${m}", password: "secret-pass-1" }) { user { id } }`).join(' ')} }`,
    );
    expect(many.status).toBe(400);
    expect(errorCode(many)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(many.errors![0]!.message).toMatch(/Aliases limit of 30 exceeded/);
    expect(await countUsers(mobiles[0]!)).toBe(0);
    expect(await countUsers(mobiles[30]!)).toBe(0);
    const thirty = await gql(`{ ${Array.from({ length: 30 }, (_, i) => `g${i}: guessYouLike { id }`).join(' ')} }`);
    expect(thirty.errors).toBeUndefined();
    expect(thirty.data.g29).toEqual(thirty.data.g0);
  });

  it('refuses a direct subgraph call with a missing or forged internal signature', async () => {
    const { userId } = await signUp();
    const call = (headers: Record<string, string>) =>
      fetch(`${processUrl('user')}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query: ME }),
      });
    const missing = await call({});
    expect(missing.status).toBe(401);
    const forged = await call({ [CONTEXT_HEADER]: signContext({ userId }, 'guessed-secret') });
    expect(forged.status).toBe(401);
    const [payload] = signContext({ userId }, internalSecret()).split('.');
    const tampered = await call({ [CONTEXT_HEADER]: `${payload}.AAAA` });
    expect(tampered.status).toBe(401);
    // The genuine signature is accepted, which shows the refusals above are about the signature.
    const genuine = await call({ [CONTEXT_HEADER]: signContext({ userId }, internalSecret()) });
    expect((await genuine.json()).data.me.id).toBe(userId);
  });
});


describe('the notification store (the jobs notifier calls it)', () => {
  const NOTIFICATIONS = `{ me { notifications { kind title } } }`;
  const message = (kind: string, n = 1) => ({ kind, dedupeKey: `${kind}:${n}`, title: `${kind} title`, body: `${kind} body` });

  const store = (deliveries: unknown) => internalPost('user', '/notifications/batch', { deliveries });

  it('stores a batch in one call, once: a repeat or an overlapping batch adds only what is new', async () => {
    const { token, userId } = await signUp();
    const first = await store([{ userId, messages: [message('pay-success'), message('check-in-code')] }]);
    expect(first).toEqual({ status: 200, body: { created: 2 } });
    expect((await store([{ userId, messages: [message('pay-success'), message('check-in-code')] }])).body).toEqual({ created: 0 });
    expect((await store([{ userId, messages: [message('pay-success'), message('pay-success', 2)] }])).body).toEqual({ created: 1 });
    const stored = (await gql(NOTIFICATIONS, {}, { token })).data.me.notifications;
    expect(stored.map((n: { kind: string }) => n.kind).sort()).toEqual(['check-in-code', 'pay-success', 'pay-success']);
  });

  it('stores the deliveries of many users in one call, each user getting only their own', async () => {
    const a = await signUp();
    const b = await signUp();
    const res = await store([
      { userId: a.userId, messages: [message('pay-success', 7), message('check-in-code', 7)] },
      { userId: b.userId, messages: [message('pay-success', 8)] },
      // The same dedupe key for another user is another message.
      { userId: b.userId, messages: [message('check-in-code', 7)] },
    ]);
    expect(res).toEqual({ status: 200, body: { created: 4 } });
    const kinds = async (token: string) => (await gql(NOTIFICATIONS, {}, { token })).data.me.notifications.map((n: { kind: string }) => n.kind).sort();
    expect(await kinds(a.token)).toEqual(['check-in-code', 'pay-success']);
    expect(await kinds(b.token)).toEqual(['check-in-code', 'pay-success']);
  });

  it('refuses an empty or oversized batch, or a message without a key, and stores nothing', async () => {
    const { token, userId } = await signUp();
    const ok = { userId, messages: [message('ok')] };
    const refused = [
      [],
      Array.from({ length: 51 }, () => ok),
      [ok, { userId, messages: [] }],
      [ok, { userId, messages: Array.from({ length: 11 }, (_, i) => message('x', i)) }],
      [ok, { userId, messages: [{ ...message('y'), dedupeKey: '' }] }],
      [ok, { userId: 'not-an-id', messages: [message('z')] }],
    ];
    for (const deliveries of refused) {
      const res = await store(deliveries);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('BAD_USER_INPUT');
    }
    expect((await gql(NOTIFICATIONS, {}, { token })).data.me.notifications).toEqual([]);
  });
});
