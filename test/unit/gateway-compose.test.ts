/**
 * Supergraph sources of the gateway: composing from live subgraphs (real HTTP servers answering
 * `_service { sdl }`, one of them starting late), bounded retries, composition errors listed,
 * supergraph files checked.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import {
  composeFromSubgraphs,
  composeSupergraph,
  loadSupergraphFile,
  supergraphSubgraphsOf,
  validateSubgraphEndpoints,
} from '../../gateway/compose.ts';
import { startGateway } from '../../gateway/server.ts';
import { isPlatformError } from '../../schema/errors.ts';

const logger = pino({ level: 'silent' });
const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])';
const USERS = `${LINK} type User @key(fields: "id") { id: ID! name: String! } type Query { me: User }`;
const ORDERS = `${LINK} type Order { id: ID! buyer: User! } type User @key(fields: "id") { id: ID! orders: [Order!]! } type Query { order(id: ID!): Order }`;

/** A real HTTP server that answers `_service { sdl }` (or GraphQL errors when sdl is undefined). */
async function serveSdl(sdl: string | undefined, port = 0): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(sdl === undefined ? { errors: [{ message: 'Cannot query field "_service" on type "Query".' }] } : { data: { _service: { sdl } } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    server,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

async function freePort(): Promise<number> {
  const s = await serveSdl(undefined);
  const port = (s.server.address() as AddressInfo).port;
  await s.close();
  return port;
}

function expectCode(code: string, pattern: RegExp): (e: unknown) => boolean {
  return (e) => isPlatformError(e) && e.code === code && pattern.test(e.message);
}

void describe('composing a supergraph from live subgraphs', () => {
  let users: Awaited<ReturnType<typeof serveSdl>>;
  let orders: Awaited<ReturnType<typeof serveSdl>>;
  before(async () => {
    [users, orders] = await Promise.all([serveSdl(USERS), serveSdl(ORDERS)]);
  });
  after(async () => {
    await Promise.all([users.close(), orders.close()]);
  });

  void test('fetches each SDL and composes; the supergraph names each subgraph with its URL', async () => {
    const sdl = await composeFromSubgraphs([{ name: 'users', url: users.url }, { name: 'orders', url: orders.url }]);
    assert.deepEqual(supergraphSubgraphsOf(sdl), [{ name: 'orders', url: orders.url }, { name: 'users', url: users.url }]);
    assert.match(sdl, /type User[^{]*@join__type\(graph: ORDERS/);
  });

  void test('waits for a subgraph that starts late, with backoff', async () => {
    const port = await freePort();
    const late = `http://127.0.0.1:${port}/graphql`;
    const composing = composeFromSubgraphs([{ name: 'users', url: users.url }, { name: 'orders', url: late }], { initialDelayMs: 20, maxDelayMs: 50, attempts: 40 });
    await new Promise((r) => setTimeout(r, 150));
    const started = await serveSdl(ORDERS, port);
    try {
      assert.match(await composing, /join__graph\(name: "orders", url: "http:\/\/127\.0\.0\.1/);
    } finally {
      await started.close();
    }
  });

  void test('gives up after the bounded attempts with an error naming the subgraph', async () => {
    const url = `http://127.0.0.1:${await freePort()}/graphql`;
    await assert.rejects(
      composeFromSubgraphs([{ name: 'users', url: users.url }, { name: 'ghost', url }], { attempts: 3, initialDelayMs: 5 }),
      expectCode('CONNECTOR_UNAVAILABLE', /subgraph "ghost".*did not answer/),
    );
  });

  void test('a server that is not a federation subgraph is refused', async () => {
    const plain = await serveSdl(undefined);
    try {
      await assert.rejects(composeFromSubgraphs([{ name: 'plain', url: plain.url }], { attempts: 1 }), expectCode('CONNECTOR_UNAVAILABLE', /not a federation subgraph/));
    } finally {
      await plain.close();
    }
  });

  void test('a port already in use is a clear start error', async () => {
    const taken = (users.server.address() as AddressInfo).port;
    await assert.rejects(
      startGateway({ supergraph: { kind: 'subgraphs', subgraphs: [{ name: 'users', url: users.url }] }, port: taken, logger, registry: new Registry() }),
      expectCode('LISTEN_FAILED', new RegExp(`cannot listen on 127\\.0\\.0\\.1:${taken}: .*EADDRINUSE`)),
    );
  });

  void test('composition errors are one error listing them all, and the gateway does not start', async () => {
    const clash = `${LINK} type User @key(fields: "id") { id: ID! name: Int! } type Query { you: User }`;
    assert.throws(
      () => composeSupergraph([{ name: 'users', url: users.url, sdl: USERS }, { name: 'clash', url: 'http://127.0.0.1:1/graphql', sdl: clash }]),
      (e: unknown) => {
        assert.ok(isPlatformError(e) && e.code === 'CONFIG_INVALID');
        assert.match(e.message, /composition failed with \d+ error\(s\):\n {2}- .*User\.name/s);
        assert.ok(Array.isArray(e.details['errors']) && e.details['errors'].length >= 1);
        return true;
      },
    );
    const clashing = await serveSdl(clash);
    try {
      await assert.rejects(
        startGateway({ supergraph: { kind: 'subgraphs', subgraphs: [{ name: 'users', url: users.url }, { name: 'clash', url: clashing.url }] }, port: 0, logger, registry: new Registry() }),
        expectCode('CONFIG_INVALID', /composition failed/),
      );
    } finally {
      await clashing.close();
    }
  });
});

void describe('subgraph lists and supergraph files', () => {
  void test('subgraph lists are checked: names, duplicates, URLs', () => {
    assert.throws(() => validateSubgraphEndpoints([]), expectCode('CONFIG_INVALID', /at least one subgraph/));
    assert.throws(() => validateSubgraphEndpoints([{ name: 'a', url: 'http://x/graphql' }, { name: 'a', url: 'http://y/graphql' }]), expectCode('CONFIG_INVALID', /"a" listed twice/));
    assert.throws(() => validateSubgraphEndpoints([{ name: 'a', url: 'ftp://x' }]), expectCode('CONFIG_INVALID', /must be http/));
    assert.throws(() => validateSubgraphEndpoints([{ name: '1a', url: 'http://x' }]), expectCode('CONFIG_INVALID', /invalid subgraph name/));
  });

  void test('a supergraph file is read and checked', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gateway-compose-'));
    try {
      const good = join(dir, 'supergraph.graphql');
      const sdl = composeSupergraph([{ name: 'users', url: 'http://users.local/graphql', sdl: USERS }]);
      await writeFile(good, sdl);
      assert.equal(await loadSupergraphFile(good), sdl);

      const notSupergraph = join(dir, 'plain.graphql');
      await writeFile(notSupergraph, 'type Query { a: Int }');
      await assert.rejects(loadSupergraphFile(notSupergraph), expectCode('CONFIG_INVALID', /not a Federation supergraph/));
      const broken = join(dir, 'broken.graphql');
      await writeFile(broken, 'type Query {');
      await assert.rejects(loadSupergraphFile(broken), expectCode('CONFIG_INVALID', /does not parse/));
      await assert.rejects(loadSupergraphFile(join(dir, 'missing.graphql')), expectCode('CONFIG_INVALID', /cannot read supergraph file/));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
