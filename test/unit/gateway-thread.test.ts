/**
 * The gateway in its own worker thread behind the front door (gateway/thread.ts, front.ts): GraphQL
 * flows through the front, `/health` answers from this thread, `/metrics` joins the gateway
 * thread's metrics and this thread's registry, start errors of the thread (a bad supergraph) come
 * back with their code and free the port, a taken port is LISTEN_FAILED, and close() ends a thread
 * stuck in CPU work (a fragment fan-out without limits).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { Counter, Registry } from 'prom-client';
import { composeSupergraph } from '../../gateway/compose.ts';
import type { RunningGateway } from '../../gateway/server.ts';
import { startGatewayThread } from '../../gateway/thread.ts';
import { isPlatformError } from '../../schema/errors.ts';

const logger = pino({ level: 'silent' });
const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])';

function fanOut(n: number): string {
  const fragments = ['fragment F0 on Query { hello }'];
  for (let i = 1; i <= n; i++) fragments.push(`fragment F${i} on Query { ...F${i - 1} ...F${i - 1} }`);
  return `{ ...F${n} } ${fragments.join(' ')}`;
}

let dir: string;
let supergraph: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gateway-thread-'));
  supergraph = join(dir, 'supergraph.graphql');
  await writeFile(supergraph, composeSupergraph([{ name: 'hello', url: 'http://127.0.0.1:9/graphql', sdl: `${LINK} type Query { hello: String }` }]));
});
after(() => rm(dir, { recursive: true, force: true }));

void describe('gateway thread behind the front door', () => {
  let gw: RunningGateway;
  const registry = new Registry();
  before(async () => {
    new Counter({ name: 'jobs_side_marker_total', help: 'a metric of the parent thread', registers: [registry] }).inc();
    gw = await startGatewayThread({ gateway: { supergraph: { kind: 'file', path: supergraph } }, port: 0, logger, logLevel: 'silent', registry });
  });
  after(() => gw.close());

  void test('GraphQL goes through the front to the thread, request id echoed', async () => {
    const res = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'front-1' }, body: JSON.stringify({ query: '{ __typename }' }) });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { data: { __typename: 'Query' } });
    assert.equal(res.headers.get('x-request-id'), 'front-1');
  });

  void test('/health answers from the front with the thread state', async () => {
    const res = await fetch(new URL('/health', gw.url));
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok', gateway: 'ready' });
  });

  void test('/metrics has the gateway thread metrics and this thread registry', async () => {
    await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
    const text = await (await fetch(new URL('/metrics', gw.url))).text();
    assert.match(text, /^gateway_http_requests_total\{/m);
    assert.match(text, /^jobs_side_marker_total 1$/m);
  });
});

void describe('gateway thread start and stop', () => {
  void test('a bad supergraph fails the start with the thread code and frees the port', async () => {
    const bad = join(dir, 'bad.graphql');
    await writeFile(bad, 'type Query { hello: String }');
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    await assert.rejects(
      startGatewayThread({ gateway: { supergraph: { kind: 'file', path: bad } }, port, logger, logLevel: 'silent' }),
      (e: unknown) => isPlatformError(e) && e.code === 'CONFIG_INVALID',
    );
    const again = createServer();
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.listen(port, '127.0.0.1', resolve);
    });
    await new Promise<void>((r) => again.close(() => r()));
  });

  void test('a taken port is LISTEN_FAILED', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    try {
      await assert.rejects(
        startGatewayThread({ gateway: { supergraph: { kind: 'file', path: supergraph } }, port: (taken.address() as AddressInfo).port, logger, logLevel: 'silent' }),
        (e: unknown) => isPlatformError(e) && e.code === 'LISTEN_FAILED',
      );
    } finally {
      await new Promise<void>((r) => taken.close(() => r()));
    }
  });

  void test('close() ends a thread stuck in CPU work, and /health answered meanwhile', async () => {
    const gw = await startGatewayThread({ gateway: { supergraph: { kind: 'file', path: supergraph } }, port: 0, logger, logLevel: 'silent', stopTimeoutMs: 500 });
    let settled = false;
    const stuck = fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: fanOut(40) }) })
      .then((r) => r.arrayBuffer())
      .catch(() => undefined)
      .finally(() => (settled = true));
    const health = await fetch(new URL('/health', gw.url));
    assert.equal(health.status, 200);
    await gw.close();
    await stuck;
    assert.ok(settled);
    await assert.rejects(fetch(new URL('/health', gw.url)));
  });
});
