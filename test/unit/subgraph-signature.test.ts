/**
 * Subgraphs answer only the gateway: a production subgraph refuses unsigned and badly signed
 * requests (HTTP POST, GET, batches and graphql-ws subscribes) with SUBGRAPH_SIGNATURE_INVALID and
 * answers requests signed the way the gateway signs them; in dev unsigned requests pass; production
 * without a secret does not start. (The real runtime's signatures are checked end to end in
 * test/e2e/auth.test.ts.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse } from 'graphql';
import { createClient } from 'graphql-ws';
import { pino } from 'pino';
import WebSocket from 'ws';
import { createSignatureCheck, createSubgraphServer, type SubgraphServer } from '../../subgraphs/common/index.ts';
import { HMAC_EXTENSION, hmacSignature, signedBody } from '../../gateway/plugins/auth-hmac.ts';
import { isPlatformError } from '../../schema/errors.ts';

const SECRET = 'hmac-secret-shared-by-gateway-and-subgraphs';
const typeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Query { hello(name: String!): String! }
  type Subscription { ticks: Int! }
`);

async function start(production: boolean, secret?: string): Promise<SubgraphServer> {
  return createSubgraphServer({
    name: 'signed',
    typeDefs,
    resolvers: {
      Query: { hello: (_: unknown, a: { name: string }) => `hello ${a.name}` },
      Subscription: {
        ticks: {
          subscribe: async function* () {
            for (let i = 1; i <= 2; i++) yield { ticks: i };
          },
        },
      },
    },
    context: () => ({}),
    logger: pino({ level: 'silent' }),
    port: 0,
    production,
    ...(secret ? { signature: { secret } } : {}),
  });
}

async function post(url: string, body: string): Promise<{ status: number; body: { data?: unknown; errors?: { extensions?: { code?: string } }[] } }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: res.status, body: (await res.json()) as never };
}

function wsRun(url: string, payload: { query: string; extensions?: Record<string, unknown> }): Promise<{ data: unknown[]; error?: unknown }> {
  const client = createClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
  const data: unknown[] = [];
  return new Promise((resolve) => {
    client.subscribe(payload, {
      next: (r) => data.push(r.data),
      error: (error) => {
        void client.dispose();
        resolve({ data, error });
      },
      complete: () => {
        void client.dispose();
        resolve({ data });
      },
    });
  });
}

void describe('gateway signature at the subgraph', () => {
  let prod: SubgraphServer;
  let dev: SubgraphServer;
  before(async () => {
    prod = await start(true, SECRET);
    dev = await start(false);
  });
  after(async () => {
    await prod.close();
    await dev.close();
  });

  void it('production: unsigned and badly signed HTTP requests are refused with 403 SUBGRAPH_SIGNATURE_INVALID', async () => {
    const query = '{ hello(name: "x") }';
    const unsigned = await post(prod.url, JSON.stringify({ query }));
    assert.equal(unsigned.status, 403);
    assert.equal(unsigned.body.errors?.[0]?.extensions?.code, 'SUBGRAPH_SIGNATURE_INVALID');
    assert.equal(unsigned.body.data, undefined);
    const forged = await post(prod.url, JSON.stringify({ query, extensions: { [HMAC_EXTENSION]: hmacSignature('not-the-secret', { query }) } }));
    assert.equal(forged.status, 403);
    // a signature is bound to its query and variables
    const sig = hmacSignature(SECRET, { query: 'query($n: String!) { hello(name: $n) }', variables: { n: 'a' } });
    const swapped = await post(prod.url, JSON.stringify({ query: 'query($n: String!) { hello(name: $n) }', variables: { n: 'b' }, extensions: { [HMAC_EXTENSION]: sig } }));
    assert.equal(swapped.status, 403);
    const batch = await post(prod.url, `[${signedBody(SECRET, { query })}, ${JSON.stringify({ query })}]`);
    assert.equal(batch.status, 403);
    const get = await fetch(`${prod.url}?query=${encodeURIComponent(query)}`, { headers: { 'apollo-require-preflight': 'true' } });
    assert.equal(get.status, 403);
  });

  void it('production: signed requests are answered', async () => {
    const ok = await post(prod.url, signedBody(SECRET, { query: '{ hello(name: "gateway") }' }));
    assert.deepEqual(ok, { status: 200, body: { data: { hello: 'hello gateway' } } });
    const withVars = await post(prod.url, signedBody(SECRET, { query: 'query($n: String!) { hello(name: $n) }', variables: { n: 'v' } }));
    assert.deepEqual(withVars.body, { data: { hello: 'hello v' } });
  });

  void it('production: graphql-ws subscribes must be signed too', async () => {
    const query = 'subscription { ticks }';
    const unsigned = await wsRun(prod.url, { query });
    assert.deepEqual(unsigned.data, []);
    assert.equal((unsigned.error as { extensions?: { code?: string } }[] | undefined)?.[0]?.extensions?.code, 'SUBGRAPH_SIGNATURE_INVALID');
    const signed = await wsRun(prod.url, { query, extensions: { [HMAC_EXTENSION]: hmacSignature(SECRET, { query }) } });
    assert.equal(signed.error, undefined);
    assert.deepEqual(signed.data, [{ ticks: 1 }, { ticks: 2 }]);
  });

  void it('dev: unsigned requests are answered', async () => {
    assert.deepEqual(await post(dev.url, JSON.stringify({ query: '{ hello(name: "dev") }' })), { status: 200, body: { data: { hello: 'hello dev' } } });
    assert.deepEqual((await wsRun(dev.url, { query: 'subscription { ticks }' })).data, [{ ticks: 1 }, { ticks: 2 }]);
  });

  void it('production without a secret does not start; with a secret a wrong signature is refused in dev too', async () => {
    await assert.rejects(start(true), (e: unknown) => isPlatformError(e) && e.code === 'AUTH_NOT_CONFIGURED');
    const check = createSignatureCheck({ secret: SECRET }, false, 't');
    assert.equal(check.required, false);
    assert.equal(check.verdict({ query: '{ a }' }), 'unsigned');
    assert.equal(check.refusal({ query: '{ a }' }), undefined);
    assert.equal(check.verdict(JSON.parse(signedBody(SECRET, { query: '{ a }' }))), 'signed');
    assert.equal(check.refusal({ query: '{ a }', extensions: { [HMAC_EXTENSION]: 'AAAA' } })?.extensions['code'], 'SUBGRAPH_SIGNATURE_INVALID');
  });
});
