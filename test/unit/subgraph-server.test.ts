/**
 * The shared subgraph server: GraphQL over HTTP (POST and GET), /health, request errors with their
 * codes, PlatformError codes and details, masking of unexpected errors in production (logged with
 * the request id), and a server that keeps serving after every kind of bad request.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { parse } from 'graphql';
import pino from 'pino';
import { PlatformError } from '../../schema/errors.ts';
import {
  createSubgraphServer, decodeCursor, encodeCursor, loadSubgraphTypeDefs, type SubgraphServer,
} from '../../subgraphs/common/index.ts';
import { gql } from './subgraph-fixtures.ts';
import { DEFAULT_MAX_BODY_BYTES } from '../../schema/request-limits.ts';

const typeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  scalar DateTime
  type Query {
    hello(name: String!): String!
    when(at: DateTime!): DateTime!
    requestId: String!
    missing: String
    broken: String
    warehouseDown: String
    badInput: Int
  }
`);

interface Ctx {
  readonly requestId: string;
}

function logCapture(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: pino({ level: 'error' }, stream), lines };
}

async function start(production: boolean, logger: pino.Logger): Promise<SubgraphServer> {
  const { DateTimeScalar } = await import('../../subgraphs/common/index.ts');
  return createSubgraphServer<Ctx>({
    name: 'test',
    typeDefs,
    resolvers: {
      DateTime: DateTimeScalar,
      Query: {
        hello: (_: unknown, a: { name: string }) => `hello ${a.name}`,
        when: (_: unknown, a: { at: number }) => a.at + 1000,
        requestId: (_: unknown, __: unknown, ctx: Ctx) => ctx.requestId,
        missing: () => { throw new PlatformError('NOT_FOUND', 'trip t9 not found', { id: 't9', nested: { secret: 1 } }); },
        broken: () => { throw new Error('db password is hunter2'); },
        warehouseDown: () => { throw new PlatformError('WAREHOUSE_QUERY_FAILED', 'duckdb said: table x at /secret/path'); },
        badInput: () => { throw new PlatformError('BAD_USER_INPUT', 'first must be positive', { argument: 'first' }); },
      },
    },
    context: (req) => ({ requestId: req.requestId }),
    logger,
    port: 0,
    production,
    // these tests are about errors and transports; the gateway signature has its own tests
    signature: { required: false },
  });
}

void describe('createSubgraphServer', () => {
  const prodLog = logCapture();
  let prod: SubgraphServer;
  let dev: SubgraphServer;

  before(async () => {
    prod = await start(true, prodLog.logger);
    dev = await start(false, pino({ level: 'silent' }));
  });
  after(async () => {
    await prod.close();
    await dev.close();
  });

  void it('serves POST and GET /graphql, and /health', async () => {
    assert.match(prod.url, /^http:\/\/127\.0\.0\.1:\d+\/graphql$/);
    assert.equal(prod.wsUrl, prod.url.replace('http:', 'ws:'));
    const post = await gql(prod.url, 'query($n: String!) { hello(name: $n) }', { n: 'Kazan' });
    assert.deepEqual(post, { status: 200, body: { data: { hello: 'hello Kazan' } } });

    const get = await fetch(`${prod.url}?query=${encodeURIComponent('{ hello(name: "GET") }')}`, { headers: { 'apollo-require-preflight': 'true' } });
    assert.equal(get.status, 200);
    assert.deepEqual(await get.json(), { data: { hello: 'hello GET' } });

    const health = await fetch(prod.url.replace('/graphql', '/health'));
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok', subgraph: 'test', detail: 'serving' });

    const other = await fetch(prod.url.replace('/graphql', '/nope'));
    assert.equal(other.status, 404);
  });

  void it('round-trips DateTime as ISO-8601 and refuses a malformed one as BAD_USER_INPUT', async () => {
    const ok = await gql(prod.url, 'query($t: DateTime!) { when(at: $t) }', { t: '2024-05-01T10:00:00+03:00' });
    assert.deepEqual(ok.body.data, { when: '2024-05-01T07:00:01.000Z' });
    const bad = await gql(prod.url, 'query($t: DateTime!) { when(at: $t) }', { t: 'yesterday' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
    const literal = await gql(prod.url, '{ when(at: "not a date") }');
    assert.equal(literal.body.errors?.[0]?.extensions?.['code'], 'GRAPHQL_VALIDATION_FAILED');
  });

  void it('answers bad requests with their codes and keeps serving', async () => {
    const cases: [string, Record<string, unknown> | undefined, number, string][] = [
      ['{ hello(name: ', undefined, 400, 'GRAPHQL_PARSE_FAILED'],
      ['{ nope }', undefined, 400, 'GRAPHQL_VALIDATION_FAILED'],
      ['{ hello }', undefined, 400, 'GRAPHQL_VALIDATION_FAILED'],
      ['query($n: String!) { hello(name: $n) }', { n: 42 }, 400, 'BAD_USER_INPUT'],
      ['query($n: String!) { hello(name: $n) }', {}, 400, 'BAD_USER_INPUT'],
    ];
    for (const [query, variables, status, code] of cases) {
      const r = await gql(prod.url, query, variables);
      assert.equal(r.status, status, query);
      assert.equal(r.body.errors?.[0]?.extensions?.['code'], code, query);
    }
    const notJson = await fetch(prod.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    assert.equal(notJson.status, 400);
    assert.equal(((await notJson.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code, 'BAD_REQUEST');
    const noQuery = await fetch(prod.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"variables": {}}' });
    assert.equal(noQuery.status, 400);
    const wrongVariables = await fetch(prod.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": "{ hello(name: \\"x\\") }", "variables": "nope"}' });
    assert.equal(wrongVariables.status, 400);
    const huge = await fetch(prod.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `{ hello(name: "${'x'.repeat(2 * 1024 * 1024)}") }` }) });
    assert.equal(huge.status, 413);
    const hugeError = ((await huge.json()) as { errors: { extensions: Record<string, unknown> }[] }).errors[0]?.extensions;
    assert.deepEqual([hugeError?.['code'], hugeError?.['limit'], hugeError?.['max']], ['LIMIT_EXCEEDED', 'bodyBytes', DEFAULT_MAX_BODY_BYTES]);

    const still = await gql(prod.url, '{ hello(name: "still here") }');
    assert.deepEqual(still.body.data, { hello: 'hello still here' });
  });

  void it('keeps PlatformError codes and safe details', async () => {
    const r = await gql(prod.url, '{ missing badInput }');
    assert.equal(r.status, 200);
    const missing = r.body.errors?.find((e) => e.path?.[0] === 'missing');
    const badInput = r.body.errors?.find((e) => e.path?.[0] === 'badInput');
    assert.deepEqual(missing, { message: 'trip t9 not found', locations: [{ line: 1, column: 3 }], path: ['missing'], extensions: { id: 't9', code: 'NOT_FOUND' } });
    assert.equal(badInput?.extensions?.['code'], 'BAD_USER_INPUT');
    assert.equal(badInput?.extensions?.['argument'], 'first');
  });

  void it('masks unexpected errors in production and logs them with the request id', async () => {
    prodLog.lines.length = 0;
    const res = await fetch(prod.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'req-42' }, body: JSON.stringify({ query: '{ broken warehouseDown requestId }' }) });
    assert.equal(res.headers.get('x-request-id'), 'req-42');
    const body = (await res.json()) as { data: Record<string, unknown>; errors: { message: string; extensions: Record<string, unknown> }[] };
    assert.equal(body.data['requestId'], 'req-42');
    assert.equal(body.errors.length, 2);
    for (const e of body.errors) {
      assert.equal(e.message, 'Internal server error');
      assert.deepEqual(e.extensions, { code: 'INTERNAL_SERVER_ERROR', requestId: 'req-42' });
      assert.doesNotMatch(JSON.stringify(e), /hunter2|secret/);
    }
    assert.equal(prodLog.lines.length, 2);
    assert.ok(prodLog.lines.every((l) => l['requestId'] === 'req-42'));
    assert.ok(JSON.stringify(prodLog.lines).includes('hunter2'), 'the real error is in the log');
  });

  void it('shows unexpected errors outside production, still with a request id', async () => {
    const r = await gql(dev.url, '{ broken }');
    assert.equal(r.body.errors?.[0]?.message, 'db password is hunter2');
    assert.equal(r.body.errors?.[0]?.extensions?.['code'], 'INTERNAL_SERVER_ERROR');
    assert.equal(typeof r.body.errors?.[0]?.extensions?.['requestId'], 'string');
  });

  void it('closes idempotently; a closed server refuses connections', async () => {
    const s = await start(true, pino({ level: 'silent' }));
    await Promise.all([s.close(), s.close()]);
    await assert.rejects(fetch(s.url, { method: 'POST' }));
  });
});

void describe('cursors and SDL files', () => {
  void it('round-trips cursors and refuses forged ones with BAD_USER_INPUT', () => {
    const c = encodeCursor([1714557600000, 't1']);
    assert.match(c, /^[A-Za-z0-9_-]+$/);
    assert.deepEqual(decodeCursor(c, ['number', 'string']), [1714557600000, 't1']);
    for (const bad of ['', '!!!', encodeCursor(['x', 't1']), encodeCursor([1]), Buffer.from('{"a":1}').toString('base64url')]) {
      assert.throws(() => decodeCursor(bad, ['number', 'string']), (e: unknown) => e instanceof PlatformError && e.code === 'BAD_USER_INPUT');
    }
  });

  void it('loads the subgraph SDL files', () => {
    for (const name of ['trips', 'payments', 'metrics']) assert.ok(loadSubgraphTypeDefs(name).definitions.length > 5, name);
    assert.throws(() => loadSubgraphTypeDefs('../etc/passwd'));
  });
});
