/**
 * The hive-router engine (real Hive Router 0.2.0 binary, scripts/hive-router.sh build) over the
 * embedded platform's real subgraphs in production mode (unsigned requests refused), with the same
 * auth and limits config the node engine gets. Checks the key e2e behaviour on the router:
 * - a BI query answers the same data as through the node gateway (the router's gateway key is
 *   accepted by subgraphs that refuse unsigned requests; a wrong key is refused);
 * - @requiresScopes from the JWT `scope` claim: anonymous callers, wrong roles and forged tokens
 *   get no data, the allowed role does;
 * - limits: depth, aliases and body size over the configured limits are refused before planning.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'graphql-ws';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import WebSocket from 'ws';
import { loadConfig } from '../../bin/config.ts';
import { startPlatform, type RunningPlatform } from '../../bin/platform.ts';
import { composeFromSubgraphs } from '../../gateway/compose.ts';
import { GATEWAY_ENGINES, hiveRouterAvailable, hiveRouterBinary, type RunningEngine } from '../../gateway/engines/index.ts';
import { mintDevToken } from '../../gateway/plugins/auth-token.ts';
import { GATEWAY_TOKEN_HEADER, gatewayTokenOf } from '../../schema/gateway-key.ts';

const JWT_SECRET = 'router-e2e-jwt-secret-0123456789abcdef';
const HMAC_SECRET = 'router-e2e-hmac-secret-0123456789abcdef';
const LIMITS = { maxDepth: 6, maxAliases: 5, maxBodyBytes: 8192 };
const REGIONS = '{ regions { id name city } }';
const TRIPS = '{ trips(first: 2) { totalCount edges { node { id status region { id } } } } }';

interface Answer {
  readonly status: number;
  readonly body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };
}

async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', ...headers }, body });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Answer['body']) : {} };
}
const gql = (query: string): string => JSON.stringify({ query });
const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

function platformConfig(dir: string, engine: 'node' | 'hive-router'): ReturnType<typeof loadConfig> {
  return loadConfig({
    env: {},
    overrides: {
      dataDir: dir,
      logLevel: 'silent',
      production: true,
      gateway: { port: 0, engine, auth: { jwtSecret: JWT_SECRET, hmacSecret: HMAC_SECRET }, limits: LIMITS },
      subgraphs: { trips: 0, payments: 0, features: 0, models: 0, metrics: 0 },
      connectors: { eventLog: { kind: 'memory', dir: path.join(dir, 'event-log') }, warehouse: { kind: 'duckdb', path: path.join(dir, 'warehouse.duckdb') } },
      // one real second = one simulated minute: live aggregates flow within seconds
      simulator: { seed: 7, speed: 60, tickMs: 200, ratePerSecond: 1, driversPerRegion: 2, backfillMinutes: 0 },
    },
  });
}

type WsOutcome = { kind: 'data' } | { kind: 'error'; code: string | undefined } | { kind: 'closed'; code: number };

/** The first thing one graphql-ws subscription sees: data, an error, or the socket closed. */
function wsFirst(url: string, query: string, connectionParams: Record<string, unknown>): Promise<WsOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const client = createClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams, on: { closed: (e) => settle({ kind: 'closed', code: (e as { code: number }).code }) } });
    const settle = (o: WsOutcome): void => {
      if (settled) return;
      settled = true;
      resolve(o);
      Promise.resolve(client.dispose()).catch(() => undefined);
    };
    client.subscribe(
      { query },
      {
        next: (r) => (r.errors?.length ? settle({ kind: 'error', code: r.errors[0]?.extensions?.['code'] as string | undefined }) : settle({ kind: 'data' })),
        error: () => undefined,
        complete: () => undefined,
      },
    );
  });
}

void describe('hive-router engine end to end (production subgraphs, auth and limits on)', () => {
  let dir: string;
  let platform: RunningPlatform;
  let router: RunningEngine;
  const tokens: Record<'bi' | 'dashboard', string> = { bi: '', dashboard: '' };

  before(async () => {
    assert.ok(hiveRouterAvailable(), `the Hive Router binary is missing at ${hiveRouterBinary()}: run scripts/hive-router.sh build`);
    dir = await mkdtemp(path.join(os.tmpdir(), 'gofuture-router-e2e-'));
    const auth = { jwtSecret: JWT_SECRET, hmacSecret: HMAC_SECRET };
    const config = platformConfig(dir, 'node');
    const logger = pino({ level: 'silent' });
    platform = await startPlatform(config, logger, new Registry());
    const supergraphSdl = await composeFromSubgraphs(Object.entries(platform.subgraphUrls).map(([name, url]) => ({ name, url })), { logger, hmacSecret: HMAC_SECRET });
    router = await GATEWAY_ENGINES['hive-router'].start({ supergraphSdl, port: 0, logger, production: true, auth, limits: LIMITS });
    tokens.bi = await mintDevToken({ secret: JWT_SECRET, roles: ['bi'], subject: 'router-bi' });
    tokens.dashboard = await mintDevToken({ secret: JWT_SECRET, roles: ['dashboard'], subject: 'router-dashboard' });
  });
  after(async () => {
    await router?.close();
    await platform?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  void it('answers a federated query with the same data as the node engine', async () => {
    const viaRouter = await post(router.url, gql(TRIPS), bearer(tokens.bi));
    assert.equal(viaRouter.status, 200, JSON.stringify(viaRouter.body));
    assert.equal(viaRouter.body.errors, undefined, JSON.stringify(viaRouter.body.errors));
    const regions = await post(router.url, gql(REGIONS), bearer(tokens.bi));
    const viaNode = await post(platform.gatewayUrl, gql(REGIONS), bearer(tokens.bi));
    assert.equal(regions.status, 200);
    assert.ok(Array.isArray(regions.body.data?.['regions']) && (regions.body.data['regions'] as unknown[]).length > 0);
    assert.deepEqual(regions.body.data, viaNode.body.data);
  });

  void it('subgraphs accept the router only with a fresh gateway token of the right secret', async () => {
    const trips = platform.subgraphUrls.trips;
    const unsigned = await post(trips, gql('{ regions { id } }'));
    assert.equal(unsigned.status, 403);
    const wrong = await post(trips, gql('{ regions { id } }'), { [GATEWAY_TOKEN_HEADER]: gatewayTokenOf('some-other-secret-0123456789abcdef') });
    assert.equal(wrong.status, 403);
    const stale = await post(trips, gql('{ regions { id } }'), { [GATEWAY_TOKEN_HEADER]: gatewayTokenOf(HMAC_SECRET, Date.now() - 120_000) });
    assert.equal(stale.status, 403, 'a captured token does not replay after its age');
    const right = await post(trips, gql('{ regions { id } }'), { [GATEWAY_TOKEN_HEADER]: gatewayTokenOf(HMAC_SECRET) });
    assert.equal(right.status, 200, JSON.stringify(right.body));
    // the router itself without the front's token: the subgraphs refuse its fetches, so no data
    const direct = await post(router.directUrl ?? '', gql(REGIONS), bearer(tokens.bi));
    assert.equal(direct.body.data?.['regions'] ?? null, null, JSON.stringify(direct.body));
  });

  void it('@requiresScopes from the scope claim: anonymous, wrong roles and forged tokens get no data', async () => {
    const anonymous = await post(router.url, gql(TRIPS));
    assert.ok((anonymous.body.errors?.length ?? 0) > 0, JSON.stringify(anonymous.body));
    assert.equal(anonymous.body.data?.['trips'] ?? null, null);
    const dashboard = await post(router.url, gql(TRIPS), bearer(tokens.dashboard));
    assert.ok((dashboard.body.errors?.length ?? 0) > 0, JSON.stringify(dashboard.body));
    assert.equal(dashboard.body.data?.['trips'] ?? null, null);
    const forged = await mintDevToken({ secret: 'not-the-gateway-secret-0123456789abcdef', roles: ['admin'], subject: 'mallory' });
    // the policy front verifies the token first: 401 as on the node engine
    const bad = await post(router.url, gql(TRIPS), bearer(forged));
    assert.equal(bad.status, 401, JSON.stringify(bad.body));
    assert.equal(bad.body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    // a role the table allows for regions: dashboard
    const allowed = await post(router.url, gql(REGIONS), bearer(tokens.dashboard));
    assert.equal(allowed.body.errors, undefined, JSON.stringify(allowed.body.errors));
  });

  void it('limits: depth, aliases and body size over the limits are refused', async () => {
    const deep = await post(router.url, gql('{ trips(first: 1) { edges { node { region { trips: id payments { trip { region { id } } } } } } } }'), bearer(tokens.bi));
    assert.ok(deep.body.errors?.some((e) => e.extensions?.code === 'LIMIT_EXCEEDED'), JSON.stringify(deep.body));
    const aliases = await post(router.url, gql(`{ ${Array.from({ length: 8 }, (_, i) => `r${i}: regions { id }`).join(' ')} }`), bearer(tokens.bi));
    assert.ok(aliases.body.errors?.some((e) => e.extensions?.code === 'LIMIT_EXCEEDED'), JSON.stringify(aliases.body));
    assert.equal(aliases.body.data ?? null, null);
    const big = await post(router.url, JSON.stringify({ query: `{ regions { id } } # ${'x'.repeat(10_000)}` }), bearer(tokens.bi));
    assert.equal(big.status, 413);
  });
});

void describe('gateway.engine "hive-router" in the platform: one port, router for HTTP, Node for graphql-ws', () => {
  let dir: string;
  let platform: RunningPlatform;

  before(async () => {
    assert.ok(hiveRouterAvailable(), `the Hive Router binary is missing at ${hiveRouterBinary()}: run scripts/hive-router.sh build`);
    dir = await mkdtemp(path.join(os.tmpdir(), 'gofuture-router-platform-'));
    platform = await startPlatform(platformConfig(dir, 'hive-router'), pino({ level: 'silent' }), new Registry());
  });
  after(async () => {
    await platform?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  void it('HTTP queries on the public port are the router\'s, with our data and our limit codes', async () => {
    const bi = await mintDevToken({ secret: JWT_SECRET, roles: ['bi'], subject: 'platform-bi' });
    const regions = await post(platform.gatewayUrl, gql(REGIONS), bearer(bi));
    assert.equal(regions.status, 200, JSON.stringify(regions.body));
    assert.ok(Array.isArray(regions.body.data?.['regions']));
    const aliases = await post(platform.gatewayUrl, gql(`{ ${Array.from({ length: 8 }, (_, i) => `r${i}: regions { id }`).join(' ')} }`), bearer(bi));
    // Hive Router's MAX_ALIASES_EXCEEDED, rewritten by the policy front to the node engine's code
    assert.equal(aliases.status, 400);
    assert.ok(aliases.body.errors?.some((e) => e.extensions?.code === 'LIMIT_EXCEEDED'), JSON.stringify(aliases.body));
  });

  void it('graphql-ws on the same port is the Node side: no credentials close 4401, a dashboard token gets live data', async () => {
    const query = 'subscription { platformTotals { tripCount } }';
    const anonymous = await wsFirst(platform.gatewayUrl, query, {});
    assert.deepEqual(anonymous, { kind: 'closed', code: 4401 });
    const dashboard = await mintDevToken({ secret: JWT_SECRET, roles: ['dashboard'], subject: 'platform-dashboard' });
    const live = await wsFirst(platform.gatewayUrl, query, { authorization: `Bearer ${dashboard}` });
    assert.deepEqual(live, { kind: 'data' });
  });
});
