/**
 * Gateway policies that need a subgraph misbehaving on purpose, over a plain node:http server
 * speaking just enough of Federation to be composed: the request deadline (a subgraph that never
 * answers: 504 REQUEST_TIMEOUT at the deadline and the upstream call aborted, not left hanging),
 * "Did you mean" stripped in production from errors a subgraph passes through, and the body limit
 * on graphql-ws messages, the optional CSRF header on GET.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import WebSocket from 'ws';
import { startGateway, type RunningGateway } from '../../gateway/server.ts';
import { mintDevToken } from '../../gateway/plugins/auth-token.ts';
import { eventually } from '../e2e/support.ts';

const SDL = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"]) type Query { slow: String fast: String hint: String }';
/** Production needs auth (docs/decisions/0005-auth.md); requests to the production gateway carry an admin token. */
const AUTH = { jwtSecret: 'policies-test-jwt-secret-0123456789abcdef', hmacSecret: 'policies-test-hmac-secret-0123456789abcdef' };
let token = '';
const HINT = 'Unknown region "msk-centr". Did you mean "msk-center"?';

void describe('gateway policies with a misbehaving subgraph', () => {
  let server: ReturnType<typeof createServer>;
  let url = '';
  let gw: RunningGateway;
  let prod: RunningGateway;
  const hanging = new Set<ServerResponse>();
  let aborted = 0;

  before(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { query?: string };
        const answer = (data: unknown) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ data }));
        };
        if (body.query?.includes('_service')) return answer({ _service: { sdl: SDL } });
        if (body.query?.includes('slow')) {
          hanging.add(res);
          res.on('close', () => {
            if (!res.writableEnded) aborted++;
            hanging.delete(res);
          });
          return undefined;
        }
        if (body.query?.includes('hint')) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ data: { hint: null }, errors: [{ message: HINT, path: ['hint'], extensions: { code: 'BAD_USER_INPUT' } }] }));
          return undefined;
        }
        return answer({ fast: 'ok', __typename: 'Query' });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    gw = await startGateway({ supergraph: { kind: 'subgraphs', subgraphs: [{ name: 'slowpoke', url }] }, port: 0, logger: pino({ level: 'silent' }), registry: new Registry(), limits: { requestTimeoutMs: 300 } });
    prod = await startGateway({ supergraph: { kind: 'sdl', sdl: gw.supergraphSdl }, port: 0, logger: pino({ level: 'silent' }), registry: new Registry(), production: true, auth: AUTH, limits: { maxBodyBytes: 64 * 1024 }, cors: { csrfHeader: 'x-graphql-csrf' } });
    token = await mintDevToken({ secret: AUTH.jwtSecret, roles: ['admin'] });
  });

  after(async () => {
    await gw?.close();
    await prod?.close();
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  void test('a stalled subgraph: 504 REQUEST_TIMEOUT at the deadline, and the upstream call is aborted', async () => {
    const res = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ slow }' }) });
    const body = (await res.json()) as { errors?: { extensions?: Record<string, unknown> }[] };
    assert.equal(res.status, 504);
    assert.equal(body.errors?.[0]?.extensions?.['code'], 'REQUEST_TIMEOUT');
    await eventually('the upstream request to be aborted', 5000, () => (aborted >= 1 ? true : undefined));
    assert.equal(hanging.size, 0);
    const fast = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ fast }' }) });
    assert.equal(fast.status, 200);
    assert.deepEqual(((await fast.json()) as { data: unknown }).data, { fast: 'ok' });
  });

  const hint = async (target: RunningGateway): Promise<string> => {
    const res = await fetch(target.url, { method: 'POST', headers: { 'content-type': 'application/json', ...(target === prod ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ query: '{ hint }' }) });
    const body = (await res.json()) as { errors?: { message: string; extensions?: Record<string, unknown> }[] };
    assert.equal(body.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
    return body.errors?.[0]?.message ?? '';
  };

  void test('production strips "Did you mean" from errors a subgraph passes through; development keeps it', async () => {
    assert.equal(await hint(prod), 'Unknown region "msk-centr".');
    assert.equal(await hint(gw), HINT);
  });

  void test('a graphql-ws message over the body limit closes the socket (1009), the gateway keeps serving', async () => {
    const ws = new WebSocket(prod.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    await once(ws, 'open');
    const closed = once(ws, 'close') as Promise<[number, Buffer]>;
    ws.send(JSON.stringify({ type: 'connection_init', payload: { pad: 'x'.repeat(128 * 1024) } }));
    const [code] = await closed;
    assert.equal(code, 1009);
    const fast = await fetch(prod.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: '{ fast }' }) });
    assert.equal(fast.status, 200);
  });

  void test('with cors.csrfHeader a GET without the header is 403 CSRF_REFUSED; with the header it runs', async () => {
    const get = (headers: Record<string, string>) => fetch(`${prod.url}?query=${encodeURIComponent('{ fast }')}`, { headers: { accept: 'application/json', authorization: `Bearer ${token}`, ...headers } });
    const refused = await get({});
    assert.equal(refused.status, 403);
    assert.equal(((await refused.json()) as { errors: { extensions: Record<string, unknown> }[] }).errors[0]?.extensions['code'], 'CSRF_REFUSED');
    const allowed = await get({ 'x-graphql-csrf': '1' });
    assert.equal(allowed.status, 200);
    assert.deepEqual(((await allowed.json()) as { data: unknown }).data, { fast: 'ok' });
    const devGet = await fetch(`${gw.url}?query=${encodeURIComponent('{ fast }')}`, { headers: { accept: 'application/json' } });
    assert.equal(devGet.status, 200, 'without csrfHeader GET needs no header');
  });
});
