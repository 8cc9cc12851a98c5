/**
 * The same e2e answers from both gateway engines (ADR 0033): `node` (Hive Gateway's runtime) and
 * `hive-router` (the real Hive Router 0.2.0 binary behind our policy front), on the same supergraph
 * of the platform's real subgraphs in production mode (unsigned requests refused), with the same
 * auth (JWT, API keys, HMAC) and the same policy config. For every case both engines answer the
 * same HTTP status, the same error codes (and `extensions.limit`), and the same data:
 * - data with a JWT, with an API key (x-api-key and Bearer), and field rules (anonymous 401,
 *   wrong role 403);
 * - abuse: bad API key and forged JWT (401), over-limit depth, aliases, body and variables size
 *   (400 / 413 LIMIT_EXCEEDED), a form POST (415), rate limited (429 RATE_LIMITED with
 *   Retry-After), the deadline (504 REQUEST_TIMEOUT).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { loadConfig } from '../../bin/config.ts';
import { startPlatform, type RunningPlatform } from '../../bin/platform.ts';
import { composeFromSubgraphs } from '../../gateway/compose.ts';
import { GATEWAY_ENGINES, hiveRouterAvailable, hiveRouterBinary, type GatewayEngineKind, type RunningEngine } from '../../gateway/engines/index.ts';
import { newApiKey } from '../../gateway/plugins/auth-api-keys.ts';
import { mintDevToken } from '../../gateway/plugins/auth-token.ts';
import type { LimitsInput } from '../../gateway/plugins/policy-config.ts';

const JWT_SECRET = 'parity-jwt-secret-0123456789abcdef0123';
const HMAC_SECRET = 'parity-hmac-secret-0123456789abcdef0123';
const KINDS: readonly GatewayEngineKind[] = ['node', 'hive-router'];
const LIMITS: LimitsInput = { maxDepth: 6, maxAliases: 5, maxBodyBytes: 8192, maxVariablesBytes: 512, rateLimit: { points: 10_000 } };
const REGIONS = '{ regions { id name city } }';
const TRIPS = '{ trips(first: 2) { totalCount edges { node { id status region { id name } } } } }';

interface Outcome {
  readonly status: number;
  readonly codes: readonly (string | undefined)[];
  readonly limits: readonly unknown[];
  readonly data: unknown;
  readonly retryAfter: string | null;
}

async function call(url: string, body: string, headers: Record<string, string> = {}, contentType = 'application/json'): Promise<Outcome> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': contentType, accept: 'application/graphql-response+json, application/json', ...headers }, body });
  const text = await res.text();
  const parsed = (text ? JSON.parse(text) : {}) as { data?: unknown; errors?: { extensions?: { code?: string; limit?: unknown } }[] };
  return {
    status: res.status,
    codes: (parsed.errors ?? []).map((e) => e.extensions?.code),
    limits: (parsed.errors ?? []).map((e) => e.extensions?.limit).filter((l) => l !== undefined),
    data: parsed.data ?? null,
    retryAfter: res.headers.get('retry-after'),
  };
}
const gql = (query: string, variables?: Record<string, unknown>): string => JSON.stringify({ query, ...(variables ? { variables } : {}) });
const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

void describe('gateway engines answer alike: node and hive-router, auth and limits on', () => {
  let dir: string;
  let platform: RunningPlatform;
  const engines = new Map<string, RunningEngine>();
  const key = newApiKey();
  const tokens = { bi: '', dashboard: '', forged: '' };
  const url = (kind: GatewayEngineKind, variant = 'main'): string => engines.get(`${kind}:${variant}`)?.url ?? '';
  /** The outcome on both engines, asserted equal; returned for the case's own expectation. */
  const both = async (run: (kind: GatewayEngineKind) => Promise<Outcome>): Promise<Outcome> => {
    const [node, router] = await Promise.all(KINDS.map((k) => run(k)));
    assert.ok(node && router);
    assert.deepEqual({ ...router, retryAfter: router.retryAfter !== null }, { ...node, retryAfter: node.retryAfter !== null }, 'hive-router answers as node does');
    return node;
  };

  before(async () => {
    assert.ok(hiveRouterAvailable(), `the Hive Router binary is missing at ${hiveRouterBinary()}: run scripts/hive-router.sh build`);
    dir = await mkdtemp(path.join(os.tmpdir(), 'gofuture-engines-parity-'));
    const logger = pino({ level: 'silent' });
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir: dir,
        logLevel: 'silent',
        production: true,
        gateway: { port: 0, auth: { jwtSecret: JWT_SECRET, hmacSecret: HMAC_SECRET } },
        subgraphs: { trips: 0, payments: 0, features: 0, models: 0, metrics: 0 },
        connectors: { eventLog: { kind: 'memory', dir: path.join(dir, 'event-log') }, warehouse: { kind: 'duckdb', path: path.join(dir, 'warehouse.duckdb') } },
        simulator: { seed: 11, speed: 60, tickMs: 200, ratePerSecond: 1, driversPerRegion: 2, backfillMinutes: 0 },
      },
    });
    platform = await startPlatform(config, logger, new Registry());
    const supergraphSdl = await composeFromSubgraphs(Object.entries(platform.subgraphUrls).map(([name, u]) => ({ name, url: u })), { logger, hmacSecret: HMAC_SECRET });
    const auth = { jwtSecret: JWT_SECRET, hmacSecret: HMAC_SECRET, apiKeys: [{ id: 'svc-bi', sha256: key.sha256, roles: ['bi' as const] }] };
    const variants: Record<string, LimitsInput> = {
      main: LIMITS,
      rate: { ...LIMITS, rateLimit: { points: 2, durationSeconds: 60 } },
      deadline: { ...LIMITS, requestTimeoutMs: 1 },
    };
    for (const kind of KINDS) {
      for (const [variant, limits] of Object.entries(variants)) {
        engines.set(`${kind}:${variant}`, await GATEWAY_ENGINES[kind].start({ supergraphSdl, port: 0, logger, production: true, auth, limits }));
      }
    }
    tokens.bi = await mintDevToken({ secret: JWT_SECRET, roles: ['bi'], subject: 'parity-bi' });
    tokens.dashboard = await mintDevToken({ secret: JWT_SECRET, roles: ['dashboard'], subject: 'parity-dashboard' });
    tokens.forged = await mintDevToken({ secret: 'not-the-gateway-secret-0123456789abcdef', roles: ['admin'], subject: 'mallory' });
  });
  after(async () => {
    for (const e of engines.values()) await e.close();
    await platform?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  void it('the same federated data with a JWT and with an API key (x-api-key and Bearer)', async () => {
    const jwt = await both((k) => call(url(k), gql(TRIPS), bearer(tokens.bi)));
    assert.equal(jwt.status, 200);
    assert.deepEqual(jwt.codes, []);
    const edges = (jwt.data as { trips?: { edges?: unknown[] } } | null)?.trips?.edges;
    assert.ok(Array.isArray(edges), JSON.stringify(jwt.data));
    const apiKey = await both((k) => call(url(k), gql(REGIONS), { 'x-api-key': key.key }));
    assert.equal(apiKey.status, 200);
    assert.ok(Array.isArray((apiKey.data as { regions?: unknown[] } | null)?.regions));
    const apiKeyBearer = await both((k) => call(url(k), gql(TRIPS), bearer(key.key)));
    assert.equal(apiKeyBearer.status, 200, JSON.stringify(apiKeyBearer));
  });

  void it('field rules: anonymous 401 UNAUTHENTICATED, a wrong role 403 FORBIDDEN, no data', async () => {
    const anonymous = await both((k) => call(url(k), gql(TRIPS)));
    assert.equal(anonymous.status, 401);
    assert.ok(anonymous.codes.includes('UNAUTHENTICATED'));
    const dashboard = await both((k) => call(url(k), gql(TRIPS), bearer(tokens.dashboard)));
    assert.equal(dashboard.status, 403);
    assert.ok(dashboard.codes.includes('FORBIDDEN'));
    assert.equal(dashboard.data, null);
  });

  void it('a bad API key and a forged token: 401 UNAUTHENTICATED', async () => {
    const badKey = await both((k) => call(url(k), gql(REGIONS), { 'x-api-key': newApiKey().key }));
    assert.deepEqual([badKey.status, badKey.codes], [401, ['UNAUTHENTICATED']]);
    const forged = await both((k) => call(url(k), gql(REGIONS), bearer(tokens.forged)));
    assert.deepEqual([forged.status, forged.codes], [401, ['UNAUTHENTICATED']]);
  });

  void it('over-limit documents and bodies: LIMIT_EXCEEDED naming the limit (depth, aliases 400; body, variables 413)', async () => {
    const deep = await both((k) => call(url(k), gql('{ trip(id: "t1") { payments { trip { payments { trip { payments { trip { id } } } } } } } }'), bearer(tokens.bi)));
    assert.deepEqual([deep.status, deep.codes, deep.limits], [400, ['LIMIT_EXCEEDED'], ['depth']]);
    const aliases = await both((k) => call(url(k), gql(`{ ${Array.from({ length: 8 }, (_, i) => `r${i}: regions { id }`).join(' ')} }`), bearer(tokens.bi)));
    assert.deepEqual([aliases.status, aliases.codes, aliases.limits], [400, ['LIMIT_EXCEEDED'], ['aliases']]);
    const body = await both((k) => call(url(k), gql(`{ regions { id } } # ${'x'.repeat(10_000)}`), bearer(tokens.bi)));
    assert.deepEqual([body.status, body.codes, body.limits], [413, ['LIMIT_EXCEEDED'], ['bodyBytes']]);
    const variables = await both((k) => call(url(k), gql('query ($pad: String) { regions { id } }', { pad: 'v'.repeat(1000) }), bearer(tokens.bi)));
    assert.deepEqual([variables.status, variables.codes, variables.limits], [413, ['LIMIT_EXCEEDED'], ['variablesBytes']]);
  });

  void it('a form POST is 415 UNSUPPORTED_MEDIA_TYPE (no CSRF-able request)', async () => {
    const form = await both((k) => call(url(k), `query=${encodeURIComponent(REGIONS)}`, bearer(tokens.bi), 'application/x-www-form-urlencoded'));
    assert.deepEqual([form.status, form.codes], [415, ['UNSUPPORTED_MEDIA_TYPE']]);
  });

  void it('rate limited: the budget spent, 429 RATE_LIMITED with Retry-After', async () => {
    for (let i = 0; i < 2; i++) {
      const ok = await both((k) => call(url(k, 'rate'), gql(REGIONS), bearer(tokens.bi)));
      assert.equal(ok.status, 200);
    }
    const limited = await both((k) => call(url(k, 'rate'), gql(REGIONS), bearer(tokens.bi)));
    assert.deepEqual([limited.status, limited.codes, limited.retryAfter !== null], [429, ['RATE_LIMITED'], true]);
    // another caller has its own budget
    const other = await both((k) => call(url(k, 'rate'), gql(REGIONS), bearer(tokens.dashboard)));
    assert.equal(other.status, 200);
  });

  void it('the deadline: 504 REQUEST_TIMEOUT, no data', async () => {
    const late = await both((k) => call(url(k, 'deadline'), gql(TRIPS), bearer(tokens.bi)));
    assert.deepEqual([late.status, late.codes, late.data], [504, ['REQUEST_TIMEOUT'], null]);
  });
});
