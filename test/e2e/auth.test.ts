/**
 * Auth end to end on the embedded platform in production mode (gateway + the real subgraphs +
 * simulator and jobs, in this process, on free ports), with a JWT secret, an ES256 JWKS file, an
 * API key and the HMAC secret configured:
 * - the role matrix: every root field of the gateway's schema (Query and Mutation over HTTP,
 *   Subscription over graphql-ws with the real graphql-ws client) tried with every role and with
 *   none, against the access table below; a root field without a row fails the test;
 * - bad and expired tokens, API keys, ES256 tokens through the gateway; connection_init checks;
 * - subgraphs refuse unsigned requests (HTTP and graphql-ws), while the gateway's signed requests,
 *   composition and readiness all work.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  buildClientSchema, getIntrospectionQuery, getNamedType, isEnumType, isInputObjectType, isLeafType, isListType, isNonNullType, isScalarType,
  type GraphQLField, type GraphQLInputType, type GraphQLSchema, type IntrospectionQuery,
} from 'graphql';
import { createClient } from 'graphql-ws';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import WebSocket from 'ws';
import { loadConfig } from '../../bin/config.ts';
import { startPlatform, type RunningPlatform } from '../../bin/platform.ts';
import { newApiKey } from '../../gateway/plugins/auth-api-keys.ts';
import { mintDevToken } from '../../gateway/plugins/auth-token.ts';
import type { Role } from '../../gateway/principal.ts';
import { eventually } from './support.ts';

type Caller = Role | 'anonymous';
const CALLERS: readonly Caller[] = ['anonymous', 'bi', 'dashboard', 'service', 'admin'];

/**
 * Who may call each root field. Keep it in step with the `@authenticated` / `@requiresScopes`
 * rules in schema/subgraphs/*.graphql: a new root field needs a rule there and a row here.
 */
const ACCESS: Readonly<Record<string, readonly Caller[]>> = {
  // trips
  'Query.trips': ['bi', 'admin'],
  'Query.trip': ['bi', 'admin'],
  'Query.driver': ['bi', 'admin'],
  'Query.drivers': ['bi', 'admin'],
  'Query.regions': ['bi', 'dashboard', 'service', 'admin'],
  'Query.region': ['bi', 'dashboard', 'service', 'admin'],
  'Query.tripStats': ['bi', 'admin'],
  'Query.driverStats': ['bi', 'admin'],
  'Query.goldTripsByRegionHour': ['bi', 'admin'],
  'Query.goldRevenueByRegionDay': ['bi', 'admin'],
  'Query.goldDriverDays': ['bi', 'admin'],
  'Query.sagas': ['bi', 'admin'],
  'Query.saga': ['bi', 'admin'],
  // payments
  'Query.payments': ['bi', 'admin'],
  'Query.payment': ['bi', 'admin'],
  'Query.revenuePerDay': ['bi', 'admin'],
  'Query.fraudSummary': ['bi', 'admin'],
  'Query.goldRevenueByMethodDay': ['bi', 'admin'],
  'Query.goldFraudByRegionDay': ['bi', 'admin'],
  'Query.goldPaymentWindows': ['bi', 'admin'],
  'Query.goldPlatformHours': ['bi', 'admin'],
  // features
  'Query.featureDefinitions': ['bi', 'service', 'admin'],
  'Query.onlineFeatures': ['bi', 'service', 'admin'],
  'Query.historicalFeatures': ['bi', 'service', 'admin'],
  // models
  'Query.models': ['bi', 'service', 'admin'],
  'Query.model': ['bi', 'service', 'admin'],
  'Query.modelVersion': ['bi', 'service', 'admin'],
  'Mutation.promoteModel': ['admin'],
  'Query.driftReports': ['bi', 'admin'],
  'Query.modelQuality': ['bi', 'service', 'admin'],
  'Mutation.predictSurge': ['service', 'admin'],
  'Mutation.predictSurgeBatch': ['service', 'admin'],
  'Mutation.scoreFraud': ['service', 'admin'],
  'Mutation.scoreFraudBatch': ['service', 'admin'],
  'Mutation.forecastDemand': ['service', 'admin'],
  'Mutation.forecastDemandBatch': ['service', 'admin'],
  'Mutation.scoreCredit': ['service', 'admin'],
  'Mutation.scoreCreditBatch': ['service', 'admin'],
  // metrics
  'Query.jobs': ['admin'],
  'Query.counters': ['admin'],
  'Query.regionWindows': ['bi', 'dashboard', 'admin'],
  'Query.platformWindows': ['bi', 'dashboard', 'admin'],
  'Subscription.regionAggregates': ['dashboard', 'admin'],
  'Subscription.platformTotals': ['dashboard', 'admin'],
  'Query.windowSpecs': ['bi', 'dashboard', 'admin'],
  'Query.windowSpec': ['bi', 'dashboard', 'admin'],
  'Query.specWindows': ['bi', 'dashboard', 'admin'],
  'Subscription.specWindowUpdates': ['dashboard', 'admin'],
  // lake (pipeline runs, tables, lineage, quality)
  'Query.pipelineRuns': ['bi', 'admin'],
  'Query.pipelineDags': ['bi', 'admin'],
  'Query.lakeTables': ['bi', 'admin'],
  'Query.lakeTable': ['bi', 'admin'],
  'Query.lineage': ['bi', 'admin'],
  'Query.qualityRuns': ['bi', 'admin'],
  'Mutation.runPipeline': ['admin'],
  'Subscription.alerts': ['admin'],
};

const JWT_SECRET = 'e2e-jwt-secret-0123456789abcdef-0123';
const HMAC_SECRET = 'e2e-hmac-secret-0123456789abcdef-012';

// ---- operations generated from the schema ------------------------------------------------------

/** A literal of the input type that passes validation (required fields only). */
function sample(type: GraphQLInputType): string {
  if (isNonNullType(type)) return sample(type.ofType);
  if (isListType(type)) return `[${sample(type.ofType)}]`;
  if (isEnumType(type)) return type.getValues()[0]?.name ?? 'null';
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields()).filter((f) => isNonNullType(f.type) && f.defaultValue === undefined);
    return `{ ${fields.map((f) => `${f.name}: ${sample(f.type)}`).join(', ')} }`;
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case 'Int': return '1';
      case 'Float': return '1.5';
      case 'Boolean': return 'false';
      case 'DateTime': return '"2026-01-01T00:00:00.000Z"';
      default: return '"x"';
    }
  }
  return 'null';
}

function operationFor(kind: 'query' | 'mutation' | 'subscription', field: GraphQLField<unknown, unknown>): string {
  const args = field.args.filter((a) => isNonNullType(a.type) && a.defaultValue === undefined);
  const argText = args.length > 0 ? `(${args.map((a) => `${a.name}: ${sample(a.type)}`).join(', ')})` : '';
  const selection = isLeafType(getNamedType(field.type)) ? '' : ' { __typename }';
  return `${kind} { ${field.name}${argText}${selection} }`;
}

function rootFields(schema: GraphQLSchema): { coordinate: string; kind: 'query' | 'mutation' | 'subscription'; operation: string }[] {
  const out: { coordinate: string; kind: 'query' | 'mutation' | 'subscription'; operation: string }[] = [];
  const roots = [['query', schema.getQueryType()], ['mutation', schema.getMutationType()], ['subscription', schema.getSubscriptionType()]] as const;
  for (const [kind, type] of roots) {
    if (!type) continue;
    for (const field of Object.values(type.getFields())) out.push({ coordinate: `${type.name}.${field.name}`, kind, operation: operationFor(kind, field) });
  }
  return out;
}

// ---- clients ---------------------------------------------------------------------------------

interface HttpResult { status: number; body: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] } }

async function post(url: string, query: string, headers: Record<string, string> = {}): Promise<HttpResult> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers }, body: JSON.stringify({ query }) });
  return { status: res.status, body: (await res.json()) as HttpResult['body'] };
}

const bearer = (token: string | undefined): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});
const authCodes = (r: HttpResult): string[] => (r.body.errors ?? []).map((e) => e.extensions?.code ?? '').filter((c) => c === 'UNAUTHENTICATED' || c === 'FORBIDDEN');

type WsOutcome = { kind: 'data' } | { kind: 'error'; code: string | undefined } | { kind: 'closed'; code: number; reason: string } | { kind: 'open' };

/** How long a subscription that may see no event (e.g. alerts) is watched for a refusal; refusals come before any subgraph call. */
const QUIET_MS = 3000;

/**
 * One subscription over graphql-ws: the first thing that happens (data, an error, the socket
 * closed), or `open` when nothing did within `quietMs` (only when given).
 */
function wsFirst(url: string, query: string, connectionParams: Record<string, unknown>, extensions?: Record<string, unknown>, quietMs?: number): Promise<WsOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const quiet = quietMs !== undefined ? setTimeout(() => settle({ kind: 'open' }), quietMs) : undefined;
    const client = createClient({
      url: url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams,
      on: {
        closed: (event) => {
          const e = event as { code: number; reason: string };
          settle({ kind: 'closed', code: e.code, reason: e.reason });
        },
      },
    });
    const settle = (o: WsOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(quiet);
      resolve(o);
      // dispose awaits the connection, which rejects when the server closed it before the ack
      Promise.resolve(client.dispose()).catch(() => undefined);
    };
    client.subscribe(
      { query, ...(extensions ? { extensions } : {}) },
      {
        next: (r) => {
          if (r.errors?.length) settle({ kind: 'error', code: r.errors[0]?.extensions?.['code'] as string | undefined });
          else if (r.data) settle({ kind: 'data' });
        },
        error: (e) => {
          if (Array.isArray(e)) settle({ kind: 'error', code: (e[0] as { extensions?: { code?: string } } | undefined)?.extensions?.code });
        },
        complete: () => undefined,
      },
    );
  });
}

// ---- the platform ----------------------------------------------------------------------------

void describe('auth end to end (production mode)', () => {
  let dir: string;
  let platform: RunningPlatform;
  let schema: GraphQLSchema;
  let es256: CryptoKey;
  const apiKey = newApiKey();
  const tokens = {} as Record<Role, string>;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gofuture-auth-e2e-'));
    const pair = await generateKeyPair('ES256');
    es256 = pair.privateKey;
    await writeFile(path.join(dir, 'jwks.json'), JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'idp-1', alg: 'ES256' }] }));
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir: dir,
        logLevel: 'silent',
        production: true,
        gateway: {
          port: 0,
          auth: {
            jwtSecret: JWT_SECRET,
            jwks: { file: path.join(dir, 'jwks.json') },
            apiKeys: [{ id: 'pricing-service', sha256: apiKey.sha256, roles: ['service'] }],
            hmacSecret: HMAC_SECRET,
          },
        },
        subgraphs: { trips: 0, payments: 0, features: 0, models: 0, metrics: 0 },
        connectors: {
          eventLog: { kind: 'memory', dir: path.join(dir, 'event-log') },
          warehouse: { kind: 'duckdb', path: path.join(dir, 'warehouse.duckdb') },
        },
        // one real second = one simulated minute: live aggregates flow within seconds
        simulator: { seed: 11, speed: 60, tickMs: 200, ratePerSecond: 1, driversPerRegion: 3, backfillMinutes: 0 },
      },
    });
    platform = await startPlatform(config, pino({ level: 'silent' }), new Registry());
    for (const role of ['bi', 'dashboard', 'service', 'admin'] as const) tokens[role] = await mintDevToken({ secret: JWT_SECRET, roles: [role], subject: `e2e-${role}` });
    const introspection = await post(platform.gatewayUrl, getIntrospectionQuery(), bearer(tokens.admin));
    assert.equal(introspection.status, 200);
    schema = buildClientSchema(introspection.body.data as IntrospectionQuery);
  });
  after(async () => {
    await platform.stop();
    await rm(dir, { recursive: true, force: true });
  });

  void it('every root field of the composed schema has a row in the access table, and every row a field', () => {
    const fields = rootFields(schema).map((f) => f.coordinate);
    const missing = fields.filter((c) => !(c in ACCESS));
    assert.deepEqual(missing, [], `root fields without an access rule: ${missing.join(', ')}: add @requiresScopes/@authenticated in the subgraph SDL and a row in ACCESS`);
    const stale = Object.keys(ACCESS).filter((c) => !fields.includes(c));
    assert.deepEqual(stale, [], `ACCESS rows for fields the schema does not have: ${stale.join(', ')}`);
  });

  void it('queries and mutations over HTTP: each caller gets exactly the fields the table allows', async () => {
    const mismatches: string[] = [];
    for (const f of rootFields(schema).filter((x) => x.kind !== 'subscription')) {
      for (const caller of CALLERS) {
        const r = await post(platform.gatewayUrl, f.operation, bearer(caller === 'anonymous' ? undefined : tokens[caller]));
        const allowed = ACCESS[f.coordinate]?.includes(caller) ?? false;
        const codes = authCodes(r);
        const expected = allowed ? { codes: [] as string[], status: undefined } : caller === 'anonymous' ? { codes: ['UNAUTHENTICATED'], status: 401 } : { codes: ['FORBIDDEN'], status: 403 };
        const ok = allowed ? codes.length === 0 : codes.length === 1 && codes[0] === expected.codes[0] && r.status === expected.status && r.body.data == null;
        if (!ok) mismatches.push(`${f.coordinate} as ${caller}: expected ${allowed ? 'allowed' : expected.codes[0]}, got HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
      }
    }
    assert.deepEqual(mismatches, []);
  });

  void it('subscriptions over graphql-ws: no credentials close with 4401, roles outside the table get FORBIDDEN, allowed ones get data', async () => {
    const mismatches: string[] = [];
    for (const f of rootFields(schema).filter((x) => x.kind === 'subscription')) {
      for (const caller of CALLERS) {
        const params = caller === 'anonymous' ? {} : { authorization: `Bearer ${tokens[caller]}` };
        const allowed = ACCESS[f.coordinate]?.includes(caller) ?? false;
        // live windows flow every second; a field whose events are rare (alerts) counts as allowed when not refused
        const eventsFlow = f.coordinate !== 'Subscription.alerts';
        const outcome = await wsFirst(platform.gatewayUrl, f.operation, params, undefined, eventsFlow ? undefined : QUIET_MS);
        const ok = caller === 'anonymous'
          ? outcome.kind === 'closed' && outcome.code === 4401
          : allowed ? outcome.kind === 'data' || (!eventsFlow && outcome.kind === 'open') : outcome.kind === 'error' && outcome.code === 'FORBIDDEN';
        if (!ok) mismatches.push(`${f.coordinate} as ${caller}: got ${JSON.stringify(outcome)}`);
      }
    }
    assert.deepEqual(mismatches, []);
  });

  void it('rules on entity fields hold below the root: a dashboard reads regions but not their online features', async () => {
    const dash = await post(platform.gatewayUrl, '{ regions { id features { demandLastHour } } }', bearer(tokens.dashboard));
    assert.equal(dash.status, 403);
    assert.deepEqual(authCodes(dash), ['FORBIDDEN']);
    assert.match(dash.body.errors?.[0]?.message ?? '', /Region\.features/);
    const bi = await post(platform.gatewayUrl, '{ regions { id features { demandLastHour } } }', bearer(tokens.bi));
    assert.equal(bi.status, 200);
    assert.deepEqual(authCodes(bi), []);
  });

  void it('bad, expired and foreign tokens are 401 UNAUTHENTICATED; introspection needs no role', async () => {
    const expired = await mintDevToken({ secret: JWT_SECRET, roles: ['admin'], now: Math.floor(Date.now() / 1000) - 7200, ttlSeconds: 60 });
    const foreign = await mintDevToken({ secret: 'some-other-secret-0123456789abcdef', roles: ['admin'] });
    for (const token of [expired, foreign, 'garbage']) {
      const r = await post(platform.gatewayUrl, '{ regions { id } }', bearer(token));
      assert.equal(r.status, 401, JSON.stringify(r.body));
      assert.equal(r.body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
      assert.equal(r.body.data, undefined);
    }
    const typename = await post(platform.gatewayUrl, '{ __typename }');
    assert.deepEqual(typename.body, { data: { __typename: 'Query' } });
  });

  void it('an API key (x-api-key or Bearer) and an ES256 token from the JWKS work through the gateway', async () => {
    const surge = 'mutation { predictSurge(input: { regionId: "msk-center", demand: 12, supply: 4 }) { multiplier } }';
    for (const headers of [{ 'x-api-key': apiKey.key }, bearer(apiKey.key)]) {
      const r = await post(platform.gatewayUrl, surge, headers);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const m = (r.body.data as { predictSurge: { multiplier: number } }).predictSurge.multiplier;
      assert.ok(m >= 1 && m <= 3);
      assert.deepEqual(authCodes(await post(platform.gatewayUrl, '{ payments(first: 1) { totalCount } }', headers)), ['FORBIDDEN']);
    }
    assert.equal((await post(platform.gatewayUrl, surge, { 'x-api-key': newApiKey().key })).status, 401);
    const idpToken = await new SignJWT({ scope: 'bi' }).setProtectedHeader({ alg: 'ES256', kid: 'idp-1' }).setSubject('analyst@idp').setExpirationTime('5m').sign(es256);
    const r = await post(platform.gatewayUrl, '{ payments(first: 1) { totalCount } }', bearer(idpToken));
    assert.equal(r.status, 200, JSON.stringify(r.body));
  });

  void it('connection_init: a bad token closes with 4401, a caller without roles with 4403, an API key is accepted', async () => {
    const sub = 'subscription { platformTotals { tripCount } }';
    const bad = await wsFirst(platform.gatewayUrl, sub, { token: 'not.a.jwt' });
    assert.equal(bad.kind === 'closed' && bad.code, 4401);
    const noRoles = await mintDevToken({ secret: JWT_SECRET, roles: [] });
    const forbidden = await wsFirst(platform.gatewayUrl, sub, { authorization: `Bearer ${noRoles}` });
    assert.equal(forbidden.kind === 'closed' && forbidden.code, 4403);
    const service = await wsFirst(platform.gatewayUrl, sub, { apiKey: apiKey.key });
    assert.deepEqual(service, { kind: 'error', code: 'FORBIDDEN' });
  });

  void it('subgraphs refuse unsigned requests (HTTP and graphql-ws); readiness, composed through signed probes, is green', async () => {
    for (const url of Object.values(platform.subgraphUrls)) {
      const r = await post(url, '{ __typename }');
      assert.equal(r.status, 403, url);
      assert.equal(r.body.errors?.[0]?.extensions?.code, 'SUBGRAPH_SIGNATURE_INVALID');
    }
    const ws = await wsFirst(platform.subgraphUrls.metrics, 'subscription { platformTotals { tripCount } }', {});
    assert.deepEqual(ws, { kind: 'error', code: 'SUBGRAPH_SIGNATURE_INVALID' });
    const ready = await eventually('readiness', 10_000, async () => {
      const res = await fetch(platform.gatewayUrl.replace('/graphql', '/readiness'));
      return res.status === 200 ? ((await res.json()) as { ready: boolean }) : undefined;
    });
    assert.equal(ready.ready, true);
  });
});
