/**
 * The attacks of issue 6 through the real gateway over the real subgraphs (embedded platform on
 * free ports, no jobs): each gets its coded refusal, and the gateway answers a normal query right
 * after. A production gateway (suggestions off, CORS allow-list, tight rate limit and subscription
 * caps on a second one) is started over the platform's subgraphs; a third runs in allow-list mode
 * with the manifest built from operations/bi.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { getIntrospectionQuery } from 'graphql';
import { createClient } from 'graphql-ws';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import WebSocket from 'ws';
import { loadConfig } from '../../bin/config.ts';
import { startPlatform, type RunningPlatform } from '../../bin/platform.ts';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { startGateway, type RunningGateway } from '../../gateway/server.ts';
import { startGatewayThread } from '../../gateway/thread.ts';
import { buildPersistedManifest, canonicalDocument, documentHash } from '../../gateway/plugins/persisted-operations.ts';
import { eventually } from './support.ts';
import { mintDevToken } from '../../gateway/plugins/auth-token.ts';
import { PRINCIPAL_CONTEXT_KEY } from '../../gateway/principal.ts';

const logger = pino({ level: 'silent' });
/** Production needs auth (docs/decisions/0005-auth.md): production gateways get this, and requests to them an admin token. */
const AUTH = { jwtSecret: 'attacks-e2e-jwt-secret-0123456789abcdef', hmacSecret: 'attacks-e2e-hmac-secret-0123456789abcdef' };
const authed = new Set<string>();
let adminToken = '';
const NORMAL = '{ trips(first: 1) { totalCount } }';
const BI_DIR = path.join(import.meta.dirname, '..', '..', 'operations', 'bi');

interface Raw {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly json: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] } | undefined;
}

/** POST over node:http so a body the server refuses halfway is no client error: the answer is read either way. */
function rawPost(url: string, body: Buffer | string, headers: Record<string, string>, localAddress?: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const auth: Record<string, string> = authed.has(url) ? { authorization: `Bearer ${adminToken}` } : {};
    const req = httpRequest(url, { method: 'POST', headers: { accept: 'application/graphql-response+json, application/json', ...auth, ...headers }, ...(localAddress ? { localAddress } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: Raw['json'];
        try {
          json = JSON.parse(text) as Raw['json'];
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json });
      });
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE' && e.code !== 'ECONNRESET') reject(e);
    });
    req.end(body);
  });
}

const postJson = (url: string, payload: unknown, headers: Record<string, string> = {}, localAddress?: string) => rawPost(url, JSON.stringify(payload), { 'content-type': 'application/json', ...headers }, localAddress);

function firstError(r: Raw): Record<string, unknown> {
  const ext = r.json?.errors?.[0]?.extensions;
  assert.ok(ext, `a coded error, got ${r.status} ${JSON.stringify(r.json)?.slice(0, 300)}`);
  return ext;
}

async function assertStillServes(url: string): Promise<void> {
  const r = await postJson(url, { query: NORMAL });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(typeof (r.json?.data as { trips?: { totalCount?: unknown } } | undefined)?.trips?.totalCount, 'number');
}

/** A graphql-ws connection whose subscriptions report their refusal (code, limit) if they get one. */
function connect(url: string) {
  const client = createClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, lazy: false });
  return {
    sub() {
      let stop = (): void => undefined;
      const refused = new Promise<unknown[]>((resolve) => {
        stop = client.subscribe({ query: 'subscription { platformTotals(windowMinutes: 5) { tripCount } }' }, {
          next: (r) => {
            const ext = r.errors?.[0]?.extensions;
            if (ext) resolve([ext['code'], ext['limit']]);
          },
          error: (e) => resolve([String(e)]),
          complete: () => undefined,
        });
      });
      return { refused, stop: () => stop() };
    },
    dispose: () => client.dispose(),
  };
}

/** Every request on the gateway it is given to is the same principal (stands in for the auth plugin). */
const onePrincipal: GatewayPlugin = {
  onContextBuilding({ extendContext }) {
    extendContext({ [PRINCIPAL_CONTEXT_KEY]: { id: 'dash-1', kind: 'jwt', roles: ['dashboard'] } });
  },
};

void describe('issue 6 attacks through the real gateway', () => {
  let dir: string;
  let platform: RunningPlatform;
  let prod: RunningGateway;
  let tight: RunningGateway;
  let allowList: RunningGateway;
  let caps: RunningGateway;
  let rust: RunningGateway;
  const capsRegistry = new Registry();

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gofuture-attacks-'));
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir: dir,
        logLevel: 'silent',
        jobs: [],
        gateway: { port: 0 },
        subgraphs: { trips: 0, payments: 0, features: 0, models: 0, metrics: 0 },
        connectors: {
          eventLog: { kind: 'memory', dir: path.join(dir, 'event-log') },
          warehouse: { kind: 'duckdb', path: path.join(dir, 'warehouse.duckdb') },
        },
      },
    });
    platform = await startPlatform(config, logger, new Registry());
    const supergraph = { kind: 'subgraphs' as const, subgraphs: Object.entries(platform.subgraphUrls).map(([name, url]) => ({ name, url })) };
    adminToken = await mintDevToken({ secret: AUTH.jwtSecret, roles: ['admin'] });
    prod = await startGateway({ supergraph, port: 0, logger, production: true, auth: AUTH, registry: new Registry(), cors: { origins: ['https://bi.gofuture.dev'] } });
    authed.add(prod.url);
    tight = await startGateway({
      supergraph: { kind: 'sdl', sdl: prod.supergraphSdl },
      port: 0,
      logger,
      registry: new Registry(),
      limits: { rateLimit: { points: 5, durationSeconds: 60 } },
    });
    caps = await startGateway({
      supergraph: { kind: 'sdl', sdl: prod.supergraphSdl },
      port: 0,
      logger,
      registry: capsRegistry,
      plugins: [onePrincipal],
      limits: { maxSubscriptionsPerConnection: 2, maxSubscriptionsPerPrincipal: 3 },
    });
    rust = await startGateway({ supergraph: { kind: 'sdl', sdl: prod.supergraphSdl }, port: 0, logger, production: true, auth: AUTH, planner: 'rust', registry: new Registry() });
    authed.add(rust.url);
    const manifest = path.join(dir, 'manifest.json');
    await writeFile(manifest, JSON.stringify(await buildPersistedManifest(BI_DIR)));
    allowList = await startGateway({ supergraph: { kind: 'sdl', sdl: prod.supergraphSdl }, port: 0, logger, production: true, auth: AUTH, registry: new Registry(), persistedOperations: { manifest, allowListOnly: true } });
    authed.add(allowList.url);
  });

  after(async () => {
    await rust?.close();
    await caps?.close();
    await allowList?.close();
    await tight?.close();
    await prod?.close();
    await platform?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  void test('fragment fan-out n=30 is refused (fields limit)', async () => {
    const frags = ['fragment F0 on Trip { id fare }'];
    for (let i = 1; i <= 30; i++) frags.push(`fragment F${i} on Trip { ...F${i - 1} ...F${i - 1} }`);
    const r = await postJson(prod.url, { query: `${frags.join('\n')}\nquery { trips(first: 1) { edges { node { ...F30 } } } }` });
    assert.equal(r.status, 400);
    assert.deepEqual([firstError(r)['code'], firstError(r)['limit']], ['LIMIT_EXCEEDED', 'fields']);
    await assertStillServes(prod.url);
  });

  void test('1000 aliases of trips(first: 500) are refused', async () => {
    const q = `{ ${Array.from({ length: 1000 }, (_, i) => `t${i}: trips(first: 500) { edges { node { id fare } } }`).join(' ')} }`;
    const r = await postJson(prod.url, { query: q });
    assert.equal(r.status, 400);
    assert.equal(firstError(r)['code'], 'LIMIT_EXCEEDED');
    assert.ok(['aliases', 'tokens'].includes(String(firstError(r)['limit'])));
    await assertStillServes(prod.url);
  });

  void test('one trips(first: 500) with nested lists over the cost limit is refused by cost', async () => {
    const r = await postJson(prod.url, { query: '{ trips(first: 500) { edges { node { payments { trip { payments { id } } } } } } }' });
    assert.equal(r.status, 400);
    assert.deepEqual([firstError(r)['code'], firstError(r)['limit']], ['LIMIT_EXCEEDED', 'cost']);
  });

  void test('5000 aliases of predictSurge, and batches over 1000 inputs in total, are refused', async () => {
    const q = `mutation { ${Array.from({ length: 5000 }, (_, i) => `p${i}: predictSurge(input: { regionId: "r", demand: 1, supply: 1 }) { multiplier }`).join(' ')} }`;
    const r = await postJson(prod.url, { query: q });
    assert.equal(r.status, 400);
    assert.equal(firstError(r)['code'], 'LIMIT_EXCEEDED');
    const inputs = Array.from({ length: 600 }, () => ({ regionId: 'r', demand: 1, supply: 1 }));
    const batch = await postJson(prod.url, {
      query: 'mutation($b: [SurgeInput!]!) { a: predictSurgeBatch(inputs: $b) { multiplier } b: predictSurgeBatch(inputs: $b) { multiplier } }',
      variables: { b: inputs },
    });
    assert.equal(batch.status, 400, JSON.stringify(batch.json).slice(0, 300));
    assert.deepEqual([firstError(batch)['code'], firstError(batch)['limit']], ['LIMIT_EXCEEDED', 'predictionInputs']);
    await assertStillServes(prod.url);
  });

  void test('depth 150 (payment -> trip -> payments -> ...) is refused', async () => {
    let inner = 'id';
    for (let i = 0; i < 75; i++) inner = `payments { trip { ${inner} } }`;
    const r = await postJson(prod.url, { query: `{ trip(id: "t1") { ${inner} } }` });
    assert.equal(r.status, 400);
    assert.deepEqual([firstError(r)['code'], firstError(r)['limit']], ['LIMIT_EXCEEDED', 'depth']);
    await assertStillServes(prod.url);
  });

  void test('introspection works in production under the default limits; a deep introspection walk is refused', async () => {
    const r = await postJson(prod.url, { query: getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, inputValueDeprecation: true }) });
    assert.equal(r.status, 200, JSON.stringify(r.json?.errors));
    let deep = 'name';
    for (let i = 0; i < 6; i++) deep = `fields { type { ${deep} } }`;
    const walk = await postJson(prod.url, { query: `{ __schema { types { ${deep} } } }` });
    assert.equal(walk.status, 400);
    assert.equal(firstError(walk)['code'], 'GRAPHQL_VALIDATION_FAILED');
  });

  void test('95k fields are refused while parsing (tokens)', async () => {
    const r = await postJson(prod.url, { query: `{ trips(first: 1) { edges { node { ${'id '.repeat(95_000)} } } } }` });
    assert.equal(r.status, 400);
    assert.deepEqual([firstError(r)['code'], firstError(r)['limit']], ['LIMIT_EXCEEDED', 'tokens']);
    await assertStillServes(prod.url);
  });

  void test('a 25 MB body and a 10 MB variable are 413; a variable over its own limit too', async () => {
    const big = await rawPost(prod.url, Buffer.alloc(25 * 1024 * 1024, 32), { 'content-type': 'application/json' });
    assert.equal(big.status, 413);
    assert.deepEqual([firstError(big)['code'], firstError(big)['limit']], ['LIMIT_EXCEEDED', 'bodyBytes']);
    const variable = await postJson(prod.url, { query: 'query($x: String) { trips(first: 1, filter: { regionId: $x }) { totalCount } }', variables: { x: 'v'.repeat(10 * 1024 * 1024) } });
    assert.equal(variable.status, 413);
    assert.equal(firstError(variable)['code'], 'LIMIT_EXCEEDED');
    const mid = await postJson(prod.url, { query: 'query($x: String) { trips(first: 1, filter: { regionId: $x }) { totalCount } }', variables: { x: 'v'.repeat(300 * 1024) } });
    assert.equal(mid.status, 413);
    assert.deepEqual([firstError(mid)['code'], firstError(mid)['limit']], ['LIMIT_EXCEEDED', 'variablesBytes']);
    await assertStillServes(prod.url);
  });

  void test('an arbitrary Origin gets no CORS grant; a listed one gets exactly itself', async () => {
    const evil = await fetch(prod.url, { method: 'POST', headers: { origin: 'https://evil.example', 'content-type': 'application/json', cookie: 'session=1' }, body: JSON.stringify({ query: NORMAL }) });
    await evil.arrayBuffer();
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
    assert.equal(evil.headers.get('access-control-allow-credentials'), null);
    const preflight = await fetch(prod.url, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    assert.equal(preflight.headers.get('access-control-allow-origin'), null);
    const bi = await fetch(prod.url, { method: 'POST', headers: { origin: 'https://bi.gofuture.dev', 'content-type': 'application/json' }, body: JSON.stringify({ query: NORMAL }) });
    await bi.arrayBuffer();
    assert.equal(bi.headers.get('access-control-allow-origin'), 'https://bi.gofuture.dev');
    assert.equal(bi.headers.get('access-control-allow-credentials'), 'true');
    assert.match(bi.headers.get('vary') ?? '', /Origin/);
    const biPreflight = await fetch(prod.url, { method: 'OPTIONS', headers: { origin: 'https://bi.gofuture.dev', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' } });
    assert.equal(biPreflight.status, 204);
    assert.equal(biPreflight.headers.get('access-control-allow-origin'), 'https://bi.gofuture.dev');
    assert.match(biPreflight.headers.get('access-control-allow-headers') ?? '', /content-type/);
    assert.match(biPreflight.headers.get('access-control-allow-methods') ?? '', /POST/);
  });

  void test('a form-urlencoded mutation is refused (415) and runs nothing', async () => {
    const r = await rawPost(prod.url, `query=${encodeURIComponent('mutation { predictSurge(input: { regionId: "r", demand: 1, supply: 1 }) { multiplier } }')}`, { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(r.status, 415);
    assert.equal(firstError(r)['code'], 'UNSUPPORTED_MEDIA_TYPE');
    await assertStillServes(prod.url);
  });

  void test('production answers 400 to a POST with no body', async () => {
    const r = await rawPost(prod.url, '', { 'content-type': 'application/json' });
    assert.equal(r.status, 400);
    assert.equal(firstError(r)['code'], 'BAD_REQUEST');
  });

  void test('production gives no field suggestions; development does', async () => {
    const p = await postJson(prod.url, { query: '{ tripz(first: 1) { totalCount } }' });
    assert.equal(p.status, 400);
    assert.ok(p.json?.errors?.length);
    for (const e of p.json.errors) assert.doesNotMatch(e.message, /Did you mean/);
    const d = await postJson(platform.gatewayUrl, { query: '{ tripz(first: 1) { totalCount } }' });
    assert.match(d.json?.errors?.[0]?.message ?? '', /Did you mean/);
    // enum values: in the document (validation) and in variables (coercion)
    const literal = '{ trips(first: 1, filter: { status: COMPLETE }) { totalCount } }';
    const variable = { query: 'query($s: TripStatus) { trips(first: 1, filter: { status: $s }) { totalCount } }', variables: { s: 'COMPLETE' } };
    for (const payload of [{ query: literal }, variable]) {
      const inProd = await postJson(prod.url, payload);
      assert.ok(inProd.json?.errors?.length, JSON.stringify(inProd.json));
      for (const e of inProd.json.errors) assert.doesNotMatch(e.message, /Did you mean/);
      const inDev = await postJson(platform.gatewayUrl, payload);
      assert.match(inDev.json?.errors?.[0]?.message ?? '', /Did you mean/);
    }
  });

  void test('rate limit: the caller past its budget gets 429 RATE_LIMITED with Retry-After', async () => {
    const statuses: number[] = [];
    let last: Raw | undefined;
    for (let i = 0; i < 7; i++) {
      last = await postJson(tight.url, { query: NORMAL });
      statuses.push(last.status);
    }
    assert.deepEqual(statuses.slice(0, 5), [200, 200, 200, 200, 200]);
    assert.equal(statuses[5], 429);
    assert.ok(last);
    assert.equal(firstError(last)['code'], 'RATE_LIMITED');
    assert.ok(Number(last.headers['retry-after']) > 0);
    await assertStillServes(prod.url); // another gateway, another budget
  });

  void test('subscriptions over the per-connection and per-principal caps are refused with a coded error; ended ones free their slot', async () => {
    const live = async (): Promise<number> => (await capsRegistry.getSingleMetric('gateway_graphql_subscriptions_active')?.get())?.values[0]?.value ?? 0;
    const clients = [connect(caps.url), connect(caps.url)];
    const [a, b] = clients;
    assert.ok(a && b);
    try {
      const a1 = a.sub();
      const a2 = a.sub();
      await eventually('two live subscriptions', 10_000, async () => ((await live()) === 2 ? true : undefined));
      const a3 = a.sub(); // third on one connection
      assert.deepEqual(await a3.refused, ['LIMIT_EXCEEDED', 'subscriptionsPerConnection']);
      const b1 = b.sub(); // third of the principal, on another connection
      await eventually('three live subscriptions', 10_000, async () => ((await live()) === 3 ? true : undefined));
      const b2 = b.sub(); // fourth of the principal
      assert.deepEqual(await b2.refused, ['LIMIT_EXCEEDED', 'subscriptionsPerPrincipal']);
      assert.equal(await live(), 3, 'the refused ones did not stop the others');
      a1.stop();
      await eventually('a slot freed', 10_000, async () => ((await live()) === 2 ? true : undefined));
      b.sub();
      await eventually('the freed slot taken again', 10_000, async () => ((await live()) === 3 ? true : undefined));
      void a2;
      void b1;
    } finally {
      for (const c of clients) await c.dispose();
    }
  });

  void test('the Rust planner gateway refuses the same documents before planning', async () => {
    const frags = ['fragment F0 on Trip { id fare }'];
    for (let i = 1; i <= 30; i++) frags.push(`fragment F${i} on Trip { ...F${i - 1} ...F${i - 1} }`);
    let deep = 'id';
    for (let i = 0; i < 75; i++) deep = `payments { trip { ${deep} } }`;
    const cases: [string, string][] = [
      [`${frags.join('\n')}\nquery { trips(first: 1) { edges { node { ...F30 } } } }`, 'fields'],
      [`{ trip(id: "t1") { ${deep} } }`, 'depth'],
      [`{ ${Array.from({ length: 40 }, (_, i) => `t${i}: trips(first: 500) { totalCount }`).join(' ')} }`, 'aliases'],
    ];
    for (const [query, limit] of cases) {
      const r = await postJson(rust.url, { query });
      assert.equal(r.status, 400, limit);
      assert.deepEqual([firstError(r)['code'], firstError(r)['limit']], ['LIMIT_EXCEEDED', limit]);
    }
    await assertStillServes(rust.url);
  });

  void test('through the platform front door and gateway thread (as npm start runs it): the same refusals, a spoofed x-forwarded-for buys no extra budget, another client has its own', async () => {
    const frags = ['fragment F0 on Trip { id fare }'];
    for (let i = 1; i <= 30; i++) frags.push(`fragment F${i} on Trip { ...F${i - 1} ...F${i - 1} }`);
    const fan = await postJson(platform.gatewayUrl, { query: `${frags.join('\n')}\nquery { trips(first: 1) { edges { node { ...F30 } } } }` });
    assert.equal(fan.status, 400);
    assert.deepEqual([firstError(fan)['code'], firstError(fan)['limit']], ['LIMIT_EXCEEDED', 'fields']);
    const big = await rawPost(platform.gatewayUrl, Buffer.alloc(25 * 1024 * 1024, 32), { 'content-type': 'application/json' });
    assert.equal(big.status, 413);
    assert.equal(firstError(big)['code'], 'LIMIT_EXCEEDED');
    await assertStillServes(platform.gatewayUrl);

    const threaded = await startGatewayThread({ gateway: { supergraph: { kind: 'sdl', sdl: prod.supergraphSdl }, limits: { rateLimit: { points: 3, durationSeconds: 60 } } }, port: 0, logger, logLevel: 'silent' });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await postJson(threaded.url, { query: NORMAL }, { 'x-forwarded-for': `203.0.113.${i}` })).status);
      assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
      // another client address (the loopback net is all ours) has its own budget: the thread sees the real peer
      assert.equal((await postJson(threaded.url, { query: NORMAL }, {}, '127.0.0.2')).status, 200);
    } finally {
      await threaded.close();
    }
  });

  void test('allow-list mode: BI operations run by hash; arbitrary and unknown ones are refused', async () => {
    const arbitrary = await postJson(allowList.url, { query: NORMAL });
    assert.equal(arbitrary.status, 400);
    assert.equal(firstError(arbitrary)['code'], 'PERSISTED_QUERY_REQUIRED');
    const unknown = await postJson(allowList.url, { extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } });
    assert.equal(firstError(unknown)['code'], 'PERSISTED_QUERY_NOT_FOUND');
    // every BI operation validates against the composed schema and runs by its hash
    const manifest = await buildPersistedManifest(BI_DIR);
    assert.ok(Object.keys(manifest).length >= 3);
    for (const [hash, doc] of Object.entries(manifest)) {
      assert.equal(hash, documentHash(canonicalDocument(doc)));
      const known = await postJson(allowList.url, { extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });
      assert.equal(known.status, 200, JSON.stringify(known.json).slice(0, 300));
      assert.equal(known.json?.errors, undefined, JSON.stringify(known.json?.errors));
      assert.ok(known.json?.data);
    }
    const hash = Object.keys(manifest)[0] ?? '';
    const byId = await postJson(allowList.url, { documentId: hash });
    assert.equal(byId.status, 200);
  });
});
