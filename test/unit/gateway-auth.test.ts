/**
 * Auth at the gateway over a small real subgraph (createSubgraphServer) whose SDL declares field
 * rules: open (dev) mode says so loudly and enforces nothing, with every caller anonymous on the
 * context; enforced mode puts the verified principal on the context for the other policies;
 * production refuses to start without auth or without the HMAC secret.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { parse } from 'graphql';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { createClient } from 'graphql-ws';
import { pino } from 'pino';
import WebSocket from 'ws';
import { Registry } from 'prom-client';
import { startGateway } from '../../gateway/server.ts';
import { OPEN_MODE_WARNING } from '../../gateway/plugins/auth.ts';
import { mintDevToken } from '../../gateway/plugins/auth-token.ts';
import { principalOf, type Principal } from '../../gateway/principal.ts';
import { createSubgraphServer, type SubgraphServer } from '../../subgraphs/common/index.ts';
import { isPlatformError } from '../../schema/errors.ts';
import { gql, subscribe, eventually } from '../e2e/support.ts';

const silent = pino({ level: 'silent' });
const SECRET = 'gateway-auth-unit-secret-0123456789';
const typeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@authenticated", "@requiresScopes"])
  type Query { hello: String!  secret: String! @requiresScopes(scopes: [["admin"]])  me: String! @authenticated }
  type Subscription { ticks: Int! @requiresScopes(scopes: [["dashboard"]]) }
`);

function captureLogger(): { logger: pino.Logger; lines: { level: number; msg: string }[] } {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n')) if (l) lines.push(JSON.parse(l) as { level: number; msg: string });
      cb();
    },
  });
  return { logger: pino({ level: 'warn' }, stream), lines };
}

function principalRecorder(): { plugin: GatewayPlugin; seen: (Principal | undefined)[] } {
  const seen: (Principal | undefined)[] = [];
  return {
    seen,
    plugin: {
      onExecute: ({ args }) => void seen.push(principalOf(args.contextValue)),
      onSubscribe: ({ args }) => void seen.push(principalOf(args.contextValue)),
    },
  };
}

void describe('gateway auth modes', () => {
  let subgraph: SubgraphServer;
  before(async () => {
    subgraph = await createSubgraphServer({
      name: 'vault',
      typeDefs,
      resolvers: {
        Query: { hello: () => 'hi', secret: () => 's3cret', me: () => 'me' },
        Subscription: {
          ticks: {
            subscribe: async function* () {
              for (let i = 1; ; i++) {
                yield { ticks: i };
                await new Promise((r) => setTimeout(r, 50));
              }
            },
          },
        },
      },
      context: () => ({}),
      logger: silent,
      port: 0,
    });
  });
  after(() => subgraph.close());

  const supergraph = (): { kind: 'subgraphs'; subgraphs: { name: string; url: string }[] } => ({ kind: 'subgraphs', subgraphs: [{ name: 'vault', url: subgraph.url }] });

  void it('open (dev) mode: one loud warn line, GraphiQL says so, no rule enforced, callers anonymous on the context', async () => {
    const { logger, lines } = captureLogger();
    const rec = principalRecorder();
    await using gw = await startGateway({ supergraph: supergraph(), port: 0, logger, registry: new Registry(), plugins: [rec.plugin] });
    const warnings = lines.filter((l) => l.level === 40 && l.msg === OPEN_MODE_WARNING);
    assert.equal(warnings.length, 1);
    const r = await gql(gw.url, '{ hello secret me }', undefined);
    assert.deepEqual(r.body, { data: { hello: 'hi', secret: 's3cret', me: 'me' } });
    assert.deepEqual(rec.seen.at(-1), { id: 'anon:127.0.0.1', kind: 'anonymous', roles: [] });
    // a token is not even looked at: nothing could verify it
    for (const authorization of ['Bearer whatever', 'Basic dXNlcjpwYXNz']) {
      const withToken = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: JSON.stringify({ query: '{ secret }' }) });
      assert.equal(withToken.status, 200, authorization);
    }
    const page = await fetch(gw.url, { headers: { accept: 'text/html' } });
    assert.match(await page.text(), /AUTH IS OFF/);
    const sub = subscribe(gw.url, 'subscription { ticks }', {}, (d) => d['ticks']);
    await eventually('a tick', 10_000, () => (sub.messages.length > 0 ? true : undefined));
    await sub.close();
    assert.deepEqual(sub.errors, []);
  });

  void it('enforced mode: the verified principal is on the context; rules apply', async () => {
    const rec = principalRecorder();
    const { logger, lines } = captureLogger();
    await using gw = await startGateway({ supergraph: supergraph(), port: 0, logger, registry: new Registry(), plugins: [rec.plugin], auth: { jwtSecret: SECRET } });
    assert.equal(lines.filter((l) => l.msg === OPEN_MODE_WARNING).length, 0);
    const page = await fetch(gw.url, { headers: { accept: 'text/html' } });
    assert.doesNotMatch(await page.text(), /AUTH IS OFF/);
    const admin = await mintDevToken({ secret: SECRET, roles: ['admin'], subject: 'root' });
    const res = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: JSON.stringify({ query: '{ secret me }' }) });
    assert.deepEqual(await res.json(), { data: { secret: 's3cret', me: 'me' } });
    assert.deepEqual(rec.seen.at(-1), { id: 'root', kind: 'jwt', roles: ['admin'] });
    const anon = await gql(gw.url, '{ hello }');
    assert.deepEqual(anon.body, { data: { hello: 'hi' } }, 'a field without a rule stays open');
    assert.deepEqual(rec.seen.at(-1), { id: 'anon:127.0.0.1', kind: 'anonymous', roles: [] });
    const me = await gql(gw.url, '{ hello me }');
    assert.equal(me.status, 401);
    assert.equal(me.body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    // graphql-ws: a service that cannot put the token in connection_init may send it on the upgrade request
    const dashboard = await mintDevToken({ secret: SECRET, roles: ['dashboard'], subject: 'wall' });
    class WithHeaders extends WebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols, { headers: { authorization: `Bearer ${dashboard}` } });
      }
    }
    const client = createClient({ url: gw.url.replace(/^http/, 'ws'), webSocketImpl: WithHeaders, retryAttempts: 0 });
    const ticks: unknown[] = [];
    const stop = client.subscribe({ query: 'subscription { ticks }' }, { next: (r) => void ticks.push(r.data), error: (e) => void ticks.push(e), complete: () => undefined });
    await eventually('ticks for the dashboard', 10_000, () => (ticks.length > 0 ? true : undefined));
    stop();
    await client.dispose();
    assert.deepEqual(ticks[0], { ticks: 1 });
    assert.deepEqual(rec.seen.at(-1), { id: 'wall', kind: 'jwt', roles: ['dashboard'] });
  });

  for (const planner of ['js', 'rust'] as const) {
    void it(`production, ${planner} planner: the gateway signs what a production subgraph requires, and enforces the rules`, async () => {
      const HMAC = 'gateway-auth-unit-hmac-0123456789abc';
      await using prodSubgraph = await createSubgraphServer({
        name: 'vault', typeDefs, resolvers: { Query: { hello: () => 'hi', secret: () => 's3cret', me: () => 'me' } },
        context: () => ({}), logger: silent, port: 0, production: true, signature: { secret: HMAC },
      });
      const direct = await gql(prodSubgraph.url, '{ hello }');
      assert.equal(direct.status, 403);
      await using gw = await startGateway({
        supergraph: { kind: 'subgraphs', subgraphs: [{ name: 'vault', url: prodSubgraph.url }] },
        port: 0, logger: silent, registry: new Registry(), production: true, planner, auth: { jwtSecret: SECRET, hmacSecret: HMAC },
      });
      assert.deepEqual((await gql(gw.url, '{ hello }')).body, { data: { hello: 'hi' } });
      const denied = await gql(gw.url, '{ hello secret }');
      assert.equal(denied.status, 401);
      const admin = await mintDevToken({ secret: SECRET, roles: ['admin'] });
      const res = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: JSON.stringify({ query: '{ secret }' }) });
      assert.deepEqual(await res.json(), { data: { secret: 's3cret' } });
      const ready = await fetch(gw.url.replace('/graphql', '/readiness'));
      assert.equal(ready.status, 200, 'readiness probes are signed too');
    });
  }

  void it('production refuses to start without auth, and without the HMAC secret', async () => {
    await assert.rejects(
      startGateway({ supergraph: supergraph(), port: 0, logger: silent, registry: new Registry(), production: true }),
      (e: unknown) => isPlatformError(e) && e.code === 'AUTH_NOT_CONFIGURED' && /jwtSecret/.test(e.message),
    );
    await assert.rejects(
      startGateway({ supergraph: supergraph(), port: 0, logger: silent, registry: new Registry(), production: true, auth: { jwtSecret: SECRET } }),
      (e: unknown) => isPlatformError(e) && e.code === 'AUTH_NOT_CONFIGURED' && /hmacSecret/.test(e.message),
    );
  });
});
