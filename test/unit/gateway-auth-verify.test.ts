/**
 * Credential verification on its own: HS256 JWTs with the shared secret, RS256 / ES256 with a JWKS
 * (a file and a URL served here, keys generated in the test with jose), expiry, issuer, audience,
 * roles from `roles` and from `scope`, hashed API keys compared in constant time, and the field rule
 * check (UNAUTHENTICATED vs FORBIDDEN).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GraphQLError } from 'graphql';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { createApiKeyVerifier, hashApiKey, newApiKey } from '../../gateway/plugins/auth-api-keys.ts';
import { createAuthenticator, credentialsFromConnectionParams, credentialsFromHeaders } from '../../gateway/plugins/auth-credentials.ts';
import { createJwtVerifier, rolesOfClaims } from '../../gateway/plugins/auth-jwt.ts';
import { checkFieldRule } from '../../gateway/plugins/auth-rules.ts';
import { mintDevToken, parseTtl } from '../../gateway/plugins/auth-token.ts';
import { isPlatformError } from '../../schema/errors.ts';

const SECRET = 'a-dev-secret-that-is-long-enough-1234';
const now = (): number => Math.floor(Date.now() / 1000);

async function rejectsWith(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof GraphQLError, `expected a GraphQLError, got ${String(e)}`);
    assert.equal(e.extensions['code'], code);
    assert.equal((e.extensions['http'] as { status: number }).status, code === 'UNAUTHENTICATED' ? 401 : 403);
    assert.match(e.message, message);
    return true;
  });
}

function hs256(claims: Record<string, unknown>, opts: { secret?: string; exp?: number; sub?: string; iss?: string; aud?: string } = {}): Promise<string> {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(opts.sub ?? 'alice').setIssuedAt().setExpirationTime(opts.exp ?? now() + 600);
  if (opts.iss) jwt = jwt.setIssuer(opts.iss);
  if (opts.aud) jwt = jwt.setAudience(opts.aud);
  return jwt.sign(new TextEncoder().encode(opts.secret ?? SECRET));
}

void describe('JWT verification', () => {
  void it('HS256: a valid token gives the jwt principal with its roles; roles from `roles` and `scope`, unknown ones dropped', async () => {
    const verify = createJwtVerifier({ jwtSecret: SECRET });
    assert.ok(verify);
    assert.deepEqual(await verify(await hs256({ roles: ['bi'] })), { id: 'alice', kind: 'jwt', roles: ['bi'] });
    assert.deepEqual((await verify(await hs256({ scope: 'dashboard service' }))).roles, ['dashboard', 'service']);
    assert.deepEqual(rolesOfClaims({ roles: ['admin', 'root', 7], scope: 'bi  superuser' }), ['bi', 'admin']);
    assert.deepEqual((await verify(await hs256({}))).roles, []);
  });

  void it('HS256: expired, wrongly signed, garbage and alg-none tokens are UNAUTHENTICATED', async () => {
    const verify = createJwtVerifier({ jwtSecret: SECRET, clockToleranceSeconds: 0 });
    assert.ok(verify);
    await rejectsWith(verify(await hs256({ roles: ['bi'] }, { exp: now() - 60 })), 'UNAUTHENTICATED', /expired/);
    await rejectsWith(verify(await hs256({ roles: ['bi'] }, { secret: 'another-secret-that-is-long-enough-0000' })), 'UNAUTHENTICATED', /signature/);
    await rejectsWith(verify('not-a-jwt'), 'UNAUTHENTICATED', /not a JWT/);
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'x', exp: now() + 60, roles: ['admin'] })).toString('base64url')}.`;
    await rejectsWith(verify(none), 'UNAUTHENTICATED', /algorithm/);
  });

  void it('issuer and audience are enforced when configured', async () => {
    const verify = createJwtVerifier({ jwtSecret: SECRET, issuer: 'https://id.gofuture.dev', audience: ['gofuture-api', 'other'] });
    assert.ok(verify);
    assert.equal((await verify(await hs256({ roles: ['bi'] }, { iss: 'https://id.gofuture.dev', aud: 'gofuture-api' }))).id, 'alice');
    await rejectsWith(verify(await hs256({ roles: ['bi'] }, { iss: 'https://id.gofuture.dev', aud: 'someone-else' })), 'UNAUTHENTICATED', /"aud"/);
    await rejectsWith(verify(await hs256({ roles: ['bi'] }, { iss: 'https://evil.example', aud: 'gofuture-api' })), 'UNAUTHENTICATED', /"iss"/);
    await rejectsWith(verify(await hs256({ roles: ['bi'] })), 'UNAUTHENTICATED', /"iss"/);
  });

  void it('a token without sub is refused; a short secret is a config error', async () => {
    const verify = createJwtVerifier({ jwtSecret: SECRET });
    assert.ok(verify);
    const noSub = await new SignJWT({ roles: ['bi'] }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(now() + 60).sign(new TextEncoder().encode(SECRET));
    await rejectsWith(verify(noSub), 'UNAUTHENTICATED', /"sub"/);
    assert.throws(() => createJwtVerifier({ jwtSecret: 'short' }), (e: unknown) => isPlatformError(e) && e.code === 'CONFIG_INVALID');
    assert.equal(createJwtVerifier({}), undefined);
  });

  void it('mintDevToken (gofuture token) makes tokens the verifier accepts, with roles and scope', async () => {
    const token = await mintDevToken({ secret: SECRET, roles: ['bi', 'admin', 'bi'], subject: 'bob', ttlSeconds: 120, audience: 'gofuture-api' });
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    assert.deepEqual(payload['roles'], ['bi', 'admin']);
    assert.equal(payload['scope'], 'bi admin');
    assert.equal((payload['exp'] as number) - (payload['iat'] as number), 120);
    const verify = createJwtVerifier({ jwtSecret: SECRET, audience: 'gofuture-api' });
    assert.deepEqual(await verify?.(token), { id: 'bob', kind: 'jwt', roles: ['bi', 'admin'] });
    assert.equal(parseTtl('1h'), 3600);
    assert.equal(parseTtl('15m'), 900);
    assert.throws(() => parseTtl('soon'));
  });
});

void describe('JWKS (RS256 / ES256)', () => {
  let dir: string;
  let server: Server;
  let jwksUrl: string;
  const keys: Record<'RS256' | 'ES256', { privateKey: CryptoKey; jwk: JWK }> = {} as never;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gofuture-jwks-'));
    for (const alg of ['RS256', 'ES256'] as const) {
      const pair = await generateKeyPair(alg);
      keys[alg] = { privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid: `k-${alg}`, alg, use: 'sig' } };
    }
    const jwks = JSON.stringify({ keys: [keys.RS256.jwk, keys.ES256.jwk] });
    await writeFile(join(dir, 'jwks.json'), jwks);
    server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  const sign = (alg: 'RS256' | 'ES256', kid: string, claims: Record<string, unknown>, exp = now() + 600): Promise<string> =>
    new SignJWT(claims).setProtectedHeader({ alg, kid }).setSubject(`svc-${alg}`).setExpirationTime(exp).sign(keys[alg].privateKey);

  void it('verifies RS256 and ES256 tokens against a JWKS file', async () => {
    const verify = createJwtVerifier({ jwks: { file: join(dir, 'jwks.json') } });
    assert.ok(verify);
    assert.deepEqual(await verify(await sign('RS256', 'k-RS256', { roles: ['service'] })), { id: 'svc-RS256', kind: 'jwt', roles: ['service'] });
    assert.deepEqual(await verify(await sign('ES256', 'k-ES256', { scope: 'dashboard' })), { id: 'svc-ES256', kind: 'jwt', roles: ['dashboard'] });
    await rejectsWith(verify(await sign('ES256', 'k-unknown', { roles: ['admin'] })), 'UNAUTHENTICATED', /unknown key/);
    await rejectsWith(verify(await sign('RS256', 'k-RS256', { roles: ['bi'] }, now() - 3600)), 'UNAUTHENTICATED', /expired/);
    // with only a JWKS configured, an HS256 token (even one signed with a public value) is refused
    await rejectsWith(verify(await hs256({ roles: ['admin'] })), 'UNAUTHENTICATED', /algorithm/);
  });

  void it('verifies against a JWKS URL', async () => {
    const verify = createJwtVerifier({ jwks: { url: jwksUrl } });
    assert.ok(verify);
    assert.deepEqual((await verify(await sign('ES256', 'k-ES256', { roles: ['admin'] }))).roles, ['admin']);
  });

  void it('an unreadable or malformed JWKS file is a config error', async () => {
    await writeFile(join(dir, 'bad.json'), '{"nokeys": true}');
    for (const file of [join(dir, 'bad.json'), join(dir, 'missing.json')]) {
      assert.throws(() => createJwtVerifier({ jwks: { file } }), (e: unknown) => isPlatformError(e) && e.code === 'CONFIG_INVALID');
    }
  });
});

void describe('API keys and credentials', () => {
  void it('a configured key (stored as its sha256) gives its principal; other keys do not', () => {
    const a = newApiKey();
    const b = newApiKey();
    assert.match(a.key, /^gfk_[A-Za-z0-9_-]{43}$/);
    assert.equal(a.sha256, hashApiKey(a.key));
    const verify = createApiKeyVerifier([{ id: 'pricing', sha256: a.sha256, roles: ['service'] }, { id: 'ops', sha256: b.sha256.toUpperCase(), roles: ['admin'] }]);
    assert.ok(verify);
    assert.deepEqual(verify(a.key), { id: 'pricing', kind: 'apiKey', roles: ['service'] });
    assert.deepEqual(verify(b.key)?.id, 'ops');
    assert.equal(verify(newApiKey().key), undefined);
    assert.equal(verify(a.sha256), undefined, 'the stored hash is not itself a key');
  });

  void it('malformed key entries are config errors naming the entry', () => {
    const ok = newApiKey().sha256;
    const bad = [
      [{ id: 'x', sha256: 'abc', roles: [] }],
      [{ id: 'x', sha256: ok, roles: [] }, { id: 'x', sha256: ok, roles: [] }],
      [{ id: 'x', sha256: ok, roles: ['root'] }],
    ] as never[];
    for (const entries of bad) assert.throws(() => createApiKeyVerifier(entries), (e: unknown) => isPlatformError(e) && e.code === 'CONFIG_INVALID' && /apiKeys\.\d/.test(e.message));
  });

  void it('credentials come from Authorization, x-api-key and connection_init payloads', () => {
    const headers = (h: Record<string, string>) => (n: string) => h[n];
    assert.deepEqual(credentialsFromHeaders(headers({ authorization: 'Bearer abc.def.ghi' })), { kind: 'bearer', value: 'abc.def.ghi' });
    assert.deepEqual(credentialsFromHeaders(headers({ authorization: 'bearer gfk_xyz' })), { kind: 'apiKey', value: 'gfk_xyz' });
    assert.deepEqual(credentialsFromHeaders(headers({ 'x-api-key': 'gfk_k' })), { kind: 'apiKey', value: 'gfk_k' });
    assert.equal(credentialsFromHeaders(headers({})), undefined);
    assert.throws(() => credentialsFromHeaders(headers({ authorization: 'Basic dXNlcg==' })), /Bearer/);
    assert.deepEqual(credentialsFromConnectionParams({ Authorization: 'Bearer t.o.k' }), { kind: 'bearer', value: 't.o.k' });
    assert.deepEqual(credentialsFromConnectionParams({ token: 't.o.k' }), { kind: 'bearer', value: 't.o.k' });
    assert.deepEqual(credentialsFromConnectionParams({ apiKey: 'gfk_q' }), { kind: 'apiKey', value: 'gfk_q' });
    assert.equal(credentialsFromConnectionParams({}), undefined);
  });

  void it('the authenticator: anonymous without credentials, open mode ignores them, bad ones are UNAUTHENTICATED', async () => {
    const key = newApiKey();
    const enforced = createAuthenticator(createJwtVerifier({ jwtSecret: SECRET }), createApiKeyVerifier([{ id: 'fraud', sha256: key.sha256, roles: ['service'] }]));
    assert.deepEqual(await enforced.authenticate(undefined, '10.0.0.7'), { id: 'anon:10.0.0.7', kind: 'anonymous', roles: [] });
    assert.equal((await enforced.authenticate({ kind: 'apiKey', value: key.key }, undefined)).id, 'fraud');
    await rejectsWith(enforced.authenticate({ kind: 'apiKey', value: 'gfk_nope' }, undefined), 'UNAUTHENTICATED', /unknown API key/);
    const open = createAuthenticator(undefined, undefined);
    assert.equal(open.enabled, false);
    assert.equal((await open.authenticate({ kind: 'bearer', value: 'whatever' }, '::1')).kind, 'anonymous');
    const keysOnly = createAuthenticator(undefined, createApiKeyVerifier([{ id: 'fraud', sha256: key.sha256, roles: ['service'] }]));
    await rejectsWith(keysOnly.authenticate({ kind: 'bearer', value: 'a.b.c' }, undefined), 'UNAUTHENTICATED', /bearer tokens are not accepted/);
  });
});

void describe('field rules', () => {
  const base = { parentTypeName: 'Query', fieldName: 'payments', fieldAuthenticated: false, typeAuthenticated: false, at: {} };
  const bi = { id: 'a', kind: 'jwt', roles: ['bi'] } as const;
  const anon = { id: 'anon:x', kind: 'anonymous', roles: [] } as const;
  void it('no rule: anyone; @authenticated: not anonymous; @requiresScopes: any inner list fully held', () => {
    assert.equal(checkFieldRule({ ...base, user: anon }), undefined);
    assert.equal(checkFieldRule({ ...base, fieldAuthenticated: true, user: anon })?.extensions['code'], 'UNAUTHENTICATED');
    assert.equal(checkFieldRule({ ...base, fieldAuthenticated: true, user: bi }), undefined);
    const scopes = [['bi'], ['admin']];
    assert.equal(checkFieldRule({ ...base, fieldScopes: scopes, user: bi }), undefined);
    assert.equal(checkFieldRule({ ...base, fieldScopes: scopes, user: anon })?.extensions['code'], 'UNAUTHENTICATED');
    const denied = checkFieldRule({ ...base, fieldScopes: [['service', 'admin']], user: { id: 's', kind: 'apiKey', roles: ['service'] } });
    assert.equal(denied?.extensions['code'], 'FORBIDDEN');
    assert.match(denied?.message ?? '', /Query\.payments requires one of the roles: service \+ admin/);
    assert.equal(checkFieldRule({ ...base, typeScopes: [['admin']], fieldScopes: scopes, user: bi })?.extensions['code'], 'FORBIDDEN');
  });
});
