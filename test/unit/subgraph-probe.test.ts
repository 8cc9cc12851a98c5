/**
 * `gofuture_subgraph_up`: probed at scrape time, 1 for a subgraph that answers `{ __typename }`,
 * 0 for one that does not (a closed port, an HTTP error), and the series goes when unregistered.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { registerSubgraphProbe } from '../../gateway/subgraph-probe.ts';

async function listen(s: Server): Promise<number> {
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return (s.address() as AddressInfo).port;
}

void describe('subgraph probe gauge', () => {
  let up: Server;
  let broken: Server;
  let upPort = 0;
  let brokenPort = 0;
  let closedPort = 0;

  before(async () => {
    up = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: { __typename: 'Query' } }));
    });
    broken = createServer((_req, res) => {
      res.writeHead(500);
      res.end('boom');
    });
    upPort = await listen(up);
    brokenPort = await listen(broken);
    const gone = createServer();
    closedPort = await listen(gone);
    await new Promise<void>((resolve) => gone.close(() => resolve()));
  });

  after(async () => {
    await new Promise<void>((resolve) => up.close(() => resolve()));
    await new Promise<void>((resolve) => broken.close(() => resolve()));
  });

  void it('says 1 for a subgraph that answers and 0 for one that does not', async () => {
    const registry = new Registry();
    const unregister = registerSubgraphProbe(registry, [
      { name: 'trips', url: `http://127.0.0.1:${upPort}/graphql` },
      { name: 'payments', url: `http://127.0.0.1:${brokenPort}/graphql` },
      { name: 'models', url: `http://127.0.0.1:${closedPort}/graphql` },
    ], { timeoutMs: 2000 });
    const text = await registry.metrics();
    assert.match(text, /gofuture_subgraph_up\{subgraph="trips"\} 1\b/);
    assert.match(text, /gofuture_subgraph_up\{subgraph="payments"\} 0\b/);
    assert.match(text, /gofuture_subgraph_up\{subgraph="models"\} 0\b/);
    unregister();
    assert.doesNotMatch(await registry.metrics(), /gofuture_subgraph_up/);
  });
});
