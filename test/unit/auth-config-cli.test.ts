/**
 * Auth settings in the platform config (`gateway.auth`, validated, env GOFUTURE_JWT_SECRET /
 * GOFUTURE_JWKS / GOFUTURE_HMAC_SECRET) and the dev-credential commands `gofuture token` and
 * `gofuture api-key`, run as a real child process.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadConfig } from '../../bin/config.ts';
import { createApiKeyVerifier } from '../../gateway/plugins/auth-api-keys.ts';
import { authConfigFromEnv, isAuthConfigured } from '../../gateway/plugins/auth-config.ts';
import { createJwtVerifier } from '../../gateway/plugins/auth-jwt.ts';
import { PlatformError } from '../../schema/errors.ts';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(ROOT, 'bin/gofuture.ts');
const SECRET = 'cli-test-secret-0123456789abcdefghij';

void describe('gateway.auth config', () => {
  void it('defaults to open (nothing configured); env fills the secrets; file values validate', () => {
    const open = loadConfig({ env: {} });
    assert.deepEqual(open.gateway.auth, {});
    assert.equal(isAuthConfigured(open.gateway.auth), false);
    const env = loadConfig({ env: { GOFUTURE_JWT_SECRET: SECRET, GOFUTURE_HMAC_SECRET: SECRET, GOFUTURE_JWKS: 'https://idp.example/jwks.json', GOFUTURE_JWT_AUDIENCE: 'api' } });
    assert.deepEqual(env.gateway.auth, { jwtSecret: SECRET, hmacSecret: SECRET, jwks: { url: 'https://idp.example/jwks.json' }, audience: 'api' });
    assert.equal(env.gateway.port, 4000, 'auth from env keeps the other gateway settings');
    assert.deepEqual(authConfigFromEnv({ GOFUTURE_JWKS: 'keys/jwks.json' }), { jwks: { file: 'keys/jwks.json' } });
  });

  void it('a bad auth value stops the start naming the key', () => {
    const bad = (auth: Record<string, unknown>, key: RegExp): void => {
      assert.throws(() => loadConfig({ env: {}, overrides: { gateway: { auth } } }), (e: unknown) => e instanceof PlatformError && e.code === 'CONFIG_INVALID' && key.test(e.message));
    };
    bad({ jwtSecret: 'short' }, /gateway\.auth\.jwtSecret/);
    bad({ apiKeys: [{ id: 'x', sha256: 'nothex', roles: ['service'] }] }, /gateway\.auth\.apiKeys\.0\.sha256/);
    bad({ apiKeys: [{ id: 'x', sha256: 'a'.repeat(64), roles: ['root'] }] }, /gateway\.auth\.apiKeys\.0\.roles/);
    bad({ jwks: { url: 'not a url' } }, /gateway\.auth\.jwks\.url/);
    bad({ passwords: true }, /gateway\.auth/);
  });
});

void describe('gofuture token / api-key', () => {
  void it('token prints an HS256 JWT with the asked roles, subject and lifetime, signed with the configured secret', async () => {
    const { stdout } = await run(process.execPath, [CLI, 'token', '--role', 'bi', '--role', 'admin', '--sub', 'alice', '--ttl', '15m'], { cwd: ROOT, env: { ...process.env, GOFUTURE_JWT_SECRET: SECRET } });
    const token = stdout.trim();
    const principal = await createJwtVerifier({ jwtSecret: SECRET })?.(token);
    assert.deepEqual(principal, { id: 'alice', kind: 'jwt', roles: ['bi', 'admin'] });
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp: number; iat: number; scope: string };
    assert.equal(claims.exp - claims.iat, 900);
    assert.equal(claims.scope, 'bi admin');
  });

  void it('token without a secret, or with an unknown role, fails with a coded message', async () => {
    const env = { ...process.env };
    delete env['GOFUTURE_JWT_SECRET'];
    await assert.rejects(run(process.execPath, [CLI, 'token', '--role', 'bi'], { cwd: ROOT, env }), (e: { stderr: string; code: number }) => e.code !== 0 && /AUTH_NOT_CONFIGURED/.test(e.stderr));
    await assert.rejects(run(process.execPath, [CLI, 'token', '--role', 'root'], { cwd: ROOT, env: { ...env, GOFUTURE_JWT_SECRET: SECRET } }), (e: { stderr: string }) => /--role expects one of/.test(e.stderr));
  });

  void it('api-key prints a new key and the config entry holding only its hash', async () => {
    const { stdout, stderr } = await run(process.execPath, [CLI, 'api-key', '--id', 'pricing', '--role', 'service'], { cwd: ROOT });
    const key = stdout.trim();
    const entry = JSON.parse(stderr.trim().split('\n').at(-1) ?? '') as { id: string; sha256: string; roles: ['service'] };
    assert.equal(entry.id, 'pricing');
    assert.ok(!stderr.includes(key), 'the config entry does not contain the key');
    assert.deepEqual(createApiKeyVerifier([entry])?.(key), { id: 'pricing', kind: 'apiKey', roles: ['service'] });
  });
});
