/**
 * The federated gateway end to end, against two tiny real Federation v2 subgraphs (Apollo Server +
 * @apollo/subgraph on node:http, graphql-ws on the same port and path) started on port 0:
 * entity joins across subgraphs, GraphQL over HTTP (POST, GET, media type, spec error codes),
 * subgraph error codes passing through, masking in production, /health, /readiness, /metrics,
 * and subscriptions over graphql-ws proxied to the subgraph.
 */
import assert from 'node:assert/strict';
import { EventEmitter, on, once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { GraphQLError, parse, type GraphQLSchema } from 'graphql';
import { createClient } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import WebSocket, { WebSocketServer } from 'ws';
import { composeSupergraph } from '../../gateway/compose.ts';
import { startGateway, type PlannerKind, type RunningGateway } from '../../gateway/server.ts';

const logger = pino({ level: 'silent' });
/** Production refuses to start without auth and an HMAC secret (the tiny subgraphs declare no field rules). */
const PROD_AUTH = { jwtSecret: 'j'.repeat(32), hmacSecret: 'h'.repeat(32) };
const GQL_RESPONSE = 'application/graphql-response+json';

// ---- tiny subgraphs -------------------------------------------------------------------------

interface Subgraph {
  readonly name: string;
  readonly url: string;
  readonly sdl: string;
  close(): Promise<void>;
}

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])';

const DRIVERS: Record<string, { id: string; name: string }> = { d1: { id: 'd1', name: 'Amina' }, d2: { id: 'd2', name: 'Bruno' } };
const TRIPS = [
  { id: 't1', fare: 12.5, driverId: 'd1', region: 'north' },
  { id: 't2', fare: 8, driverId: 'd2', region: 'south' },
  { id: 't3', fare: 20, driverId: 'd1', region: 'north' },
];

const driversSdl = `${LINK}
  type Driver @key(fields: "id") { id: ID! name: String! }
  type Query { driver(id: ID!): Driver  boom: String }`;

const tripsSdl = `${LINK}
  type Trip { id: ID! fare: Float! region: String! driver: Driver! }
  type Driver @key(fields: "id") { id: ID! trips: [Trip!]! }
  type Query { trips(limit: Int!): [Trip!]! }
  type Subscription { tripCompleted(region: String!): Trip! }`;

type TripRow = (typeof TRIPS)[number];
const tripOut = (t: TripRow) => ({ ...t, driver: { __typename: 'Driver', id: t.driverId } });

/** Trips published here reach `tripCompleted` subscribers; 'subscribed' fires when one starts. */
const tripFeed = new EventEmitter();

const driversSchema = buildSubgraphSchema({
  typeDefs: parse(driversSdl),
  resolvers: {
    Query: {
      driver: (_: unknown, a: { id: string }) => DRIVERS[a.id] ?? null,
      boom: () => {
        throw new Error('db password is hunter2');
      },
    },
    Driver: { __resolveReference: (ref: { id: string }) => DRIVERS[ref.id] ?? null },
  },
});

const tripsSchema = buildSubgraphSchema({
  typeDefs: parse(tripsSdl),
  resolvers: {
    Query: {
      trips: (_: unknown, a: { limit: number }) => {
        if (a.limit < 0) throw new GraphQLError('limit must be >= 0', { extensions: { code: 'BAD_USER_INPUT' } });
        return TRIPS.slice(0, a.limit).map(tripOut);
      },
    },
    Driver: { trips: (d: { id: string }) => TRIPS.filter((t) => t.driverId === d.id).map(tripOut) },
    Subscription: {
      tripCompleted: {
        subscribe: async function* (_: unknown, a: { region: string }) {
          const events = on(tripFeed, 'trip');
          tripFeed.emit('subscribed', a.region);
          for await (const [trip] of events as AsyncIterable<[TripRow]>) {
            if (trip.region === a.region) yield { tripCompleted: tripOut(trip) };
          }
        },
      },
    },
  },
});

async function startSubgraph(name: string, schema: GraphQLSchema, sdl: string, port = 0): Promise<Subgraph> {
  const apollo = new ApolloServer({ schema, logger: { debug() {}, info() {}, warn() {}, error() {} } });
  await apollo.start();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const headers = new HeaderMap();
        for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
        const raw = Buffer.concat(chunks).toString('utf8');
        const result = await apollo.executeHTTPGraphQLRequest({
          httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: new URL(req.url ?? '/', 'http://x').search, body: raw ? JSON.parse(raw) : undefined },
          context: async () => ({}),
        });
        res.statusCode = result.status ?? 200;
        for (const [k, v] of result.headers) res.setHeader(k, v);
        if (result.body.kind === 'complete') res.end(result.body.string);
        else {
          for await (const chunk of result.body.asyncIterator) res.write(chunk);
          res.end();
        }
      })().catch(() => res.writeHead(500).end());
    });
  });
  const wss = new WebSocketServer({ server, path: '/graphql' });
  const ws = useServer({ schema }, wss);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    name,
    sdl,
    url: `http://127.0.0.1:${address.port}/graphql`,
    async close() {
      await ws.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await apollo.stop();
    },
  };
}

// ---- helpers --------------------------------------------------------------------------------

interface GqlBody {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

interface Reply {
  status: number;
  type: string;
  body: GqlBody;
  headers: Headers;
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: `${GQL_RESPONSE}, application/json`, ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: (await res.json()) as GqlBody, headers: res.headers };
}

const codesOf = (b: GqlBody): unknown[] => (b.errors ?? []).map((e) => e.extensions?.['code']);
const JOIN_QUERY = '{ trips(limit: 2) { id fare driver { id name } } }';
const JOIN_DATA = {
  trips: [
    { id: 't1', fare: 12.5, driver: { id: 'd1', name: 'Amina' } },
    { id: 't2', fare: 8, driver: { id: 'd2', name: 'Bruno' } },
  ],
};

let drivers: Subgraph;
let trips: Subgraph;
before(async () => {
  [drivers, trips] = await Promise.all([startSubgraph('drivers', driversSchema, driversSdl), startSubgraph('trips', tripsSchema, tripsSdl)]);
});
after(async () => {
  await Promise.all([drivers.close(), trips.close()]);
});

for (const planner of ['js', 'rust'] as const satisfies readonly PlannerKind[]) {
  void describe(`gateway with the ${planner} planner`, () => {
    let gw: RunningGateway;
    before(async () => {
      gw = await startGateway({ supergraph: { kind: 'subgraphs', subgraphs: [drivers, trips] }, port: 0, logger, planner, registry: new Registry() });
    });
    after(() => gw.close());

    void test('a query that needs both subgraphs joins the entity', async () => {
      const r = await post(gw.url, { query: JOIN_QUERY }, { 'x-request-id': 'req-join-1' });
      assert.equal(r.status, 200);
      assert.match(r.type, /^application\/graphql-response\+json/);
      assert.deepEqual(r.body, { data: JOIN_DATA });
      assert.equal(r.headers.get('x-request-id'), 'req-join-1');
    });

    void test('GET works, with variables, and the other direction of the join', async () => {
      const query = 'query D($id: ID!) { driver(id: $id) { name trips { id fare } } }';
      const qs = new URLSearchParams({ query, variables: JSON.stringify({ id: 'd1' }) });
      const res = await fetch(`${gw.url}?${qs}`, { headers: { accept: GQL_RESPONSE } });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^application\/graphql-response\+json/);
      assert.deepEqual(await res.json(), { data: { driver: { name: 'Amina', trips: [{ id: 't1', fare: 12.5 }, { id: 't3', fare: 20 }] } } });
    });

    void test('request errors are spec errors with codes, and the server keeps serving', async () => {
      const cases: [string, unknown, string][] = [
        ['malformed', { query: '{ trips(limit: 1) { id ' }, 'GRAPHQL_PARSE_FAILED'],
        ['unknown field', { query: '{ trips(limit: 1) { nope } }' }, 'GRAPHQL_VALIDATION_FAILED'],
        ['bad variable', { query: 'query Q($n: Int!) { trips(limit: $n) { id } }', variables: { n: 'x' } }, 'BAD_USER_INPUT'],
        ['missing variable', { query: 'query Q($n: Int!) { trips(limit: $n) { id } }' }, 'BAD_USER_INPUT'],
      ];
      for (const [label, body, code] of cases) {
        const r = await post(gw.url, body);
        assert.equal(r.status, 400, label);
        assert.match(r.type, /^application\/graphql-response\+json/, label);
        assert.equal(r.body.data, undefined, label);
        assert.deepEqual(codesOf(r.body), [code], label);
      }
      assert.deepEqual((await post(gw.url, { query: JOIN_QUERY })).body, { data: JOIN_DATA });
    });

    void test("a subgraph's BAD_USER_INPUT reaches the client with its code", async () => {
      const r = await post(gw.url, { query: '{ trips(limit: -1) { id } }' });
      assert.equal(r.body.errors?.[0]?.message, 'limit must be >= 0');
      assert.deepEqual(codesOf(r.body), ['BAD_USER_INPUT']);
    });

    void test('a graphql-ws subscription through the gateway receives the subgraph events, joined', async () => {
      const client = createClient({ url: gw.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
      try {
        const got: unknown[] = [];
        const subscribed = once(tripFeed, 'subscribed');
        const done = new Promise<void>((resolve, reject) => {
          client.subscribe(
            { query: 'subscription { tripCompleted(region: "north") { id fare driver { name } } }' },
            { next: (v) => (got.push(v), got.length === 2 && resolve()), error: reject, complete: resolve },
          );
        });
        assert.deepEqual(await subscribed, ['north']);
        tripFeed.emit('trip', { id: 't9', fare: 5, driverId: 'd1', region: 'north' });
        tripFeed.emit('trip', { id: 't10', fare: 6, driverId: 'd2', region: 'south' });
        tripFeed.emit('trip', { id: 't11', fare: 7, driverId: 'd2', region: 'north' });
        await done;
        assert.deepEqual(got, [
          { data: { tripCompleted: { id: 't9', fare: 5, driver: { name: 'Amina' } } } },
          { data: { tripCompleted: { id: 't11', fare: 7, driver: { name: 'Bruno' } } } },
        ]);
      } finally {
        await client.dispose();
      }
    });
  });
}

void describe('gateway operations', () => {
  void test('serves a supergraph composed and written to a file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gateway-test-'));
    try {
      const path = join(dir, 'supergraph.graphql');
      await writeFile(path, composeSupergraph([drivers, trips]));
      await using gw = await startGateway({ supergraph: { kind: 'file', path }, port: 0, logger, registry: new Registry() });
      assert.deepEqual(gw.subgraphs.map((s) => s.name).sort(), ['drivers', 'trips']);
      assert.deepEqual((await post(gw.url, { query: JOIN_QUERY })).body, { data: JOIN_DATA });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  void test('/health is always 200; /readiness is 503 naming the subgraph that is down', async () => {
    const extra = await startSubgraph('drivers', driversSchema, driversSdl);
    let extraClosed = false;
    try {
      await using gw = await startGateway({ supergraph: { kind: 'subgraphs', subgraphs: [extra, trips] }, port: 0, logger, registry: new Registry(), readinessTimeoutMs: 500 });
      const base = gw.url.replace(/\/graphql$/, '');
      assert.equal((await fetch(`${base}/health`)).status, 200);
      const ready = await fetch(`${base}/readiness`);
      assert.equal(ready.status, 200);
      assert.equal(((await ready.json()) as { ready: boolean }).ready, true);

      await extra.close();
      extraClosed = true;
      const down = await fetch(`${base}/readiness`);
      assert.equal(down.status, 503);
      const report = (await down.json()) as { ready: boolean; subgraphs: { name: string; ok: boolean }[] };
      assert.equal(report.ready, false);
      assert.deepEqual(report.subgraphs.map((s) => [s.name, s.ok]).sort(), [['drivers', false], ['trips', true]]);
      assert.equal((await fetch(`${base}/health`)).status, 200);
    } finally {
      if (!extraClosed) await extra.close();
    }
  });

  void test('production masks unexpected errors with a request id, keeps codes, serves no GraphiQL', async () => {
    await using gw = await startGateway({ supergraph: { kind: 'subgraphs', subgraphs: [drivers, trips] }, port: 0, logger, production: true, auth: PROD_AUTH, registry: new Registry() });
    const boom = await post(gw.url, { query: '{ boom }' }, { 'x-request-id': 'req-boom-1' });
    assert.deepEqual(boom.body.data, { boom: null });
    assert.deepEqual(boom.body.errors?.[0]?.extensions, { code: 'INTERNAL_SERVER_ERROR', requestId: 'req-boom-1' });
    assert.doesNotMatch(JSON.stringify(boom.body), /hunter2|stacktrace/);

    const bad = await post(gw.url, { query: '{ trips(limit: -1) { id } }' });
    assert.deepEqual(codesOf(bad.body), ['BAD_USER_INPUT']);
    assert.doesNotMatch(JSON.stringify(bad.body), /stacktrace/);

    const badJson = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: GQL_RESPONSE }, body: '{nope' });
    assert.equal(badJson.status, 400);
    assert.deepEqual(codesOf((await badJson.json()) as GqlBody), ['BAD_REQUEST']);

    const page = await fetch(gw.url, { headers: { accept: 'text/html' } });
    assert.doesNotMatch(page.headers.get('content-type') ?? '', /text\/html/);
    // introspection stays on in production (BI tools and codegen rely on it)
    const intro = await post(gw.url, { query: '{ __schema { queryType { name } } }' });
    assert.deepEqual(intro.body, { data: { __schema: { queryType: { name: 'Query' } } } });
  });

  void test('a subgraph that cannot be reached: SUBGRAPH_UNAVAILABLE naming it; the address only in development', async () => {
    const down = composeSupergraph([{ ...drivers, url: 'http://127.0.0.1:9/graphql' }]);
    await using prod = await startGateway({ supergraph: { kind: 'sdl', sdl: down }, port: 0, logger, production: true, auth: PROD_AUTH, registry: new Registry() });
    const r = await post(prod.url, { query: '{ driver(id: "d1") { name } }' }, { 'x-request-id': 'req-down-1' });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.data, { driver: null });
    assert.deepEqual(r.body.errors?.[0]?.extensions, { code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'drivers', requestId: 'req-down-1' });
    assert.doesNotMatch(JSON.stringify(r.body), /127\.0\.0\.1|ECONNREFUSED/);
    await using dev = await startGateway({ supergraph: { kind: 'sdl', sdl: down }, port: 0, logger, registry: new Registry() });
    const d = (await post(dev.url, { query: '{ driver(id: "d1") { name } }' })).body.errors?.[0];
    assert.match(d?.message ?? '', /ECONNREFUSED/);
    assert.equal(d?.extensions?.['code'], 'SUBGRAPH_UNAVAILABLE');
    assert.equal(d?.extensions?.['serviceName'], 'drivers');
  });

  void test('introspection can be switched off', async () => {
    await using gw = await startGateway({ supergraph: { kind: 'subgraphs', subgraphs: [drivers, trips] }, port: 0, logger, production: true, auth: PROD_AUTH, introspection: false, registry: new Registry() });
    const r = await post(gw.url, { query: '{ __schema { queryType { name } } }' });
    assert.equal(r.status, 400);
    assert.ok(codesOf(r.body).length > 0 && codesOf(r.body).every((c) => c === 'GRAPHQL_VALIDATION_FAILED'));
    assert.deepEqual((await post(gw.url, { query: JOIN_QUERY })).body, { data: JOIN_DATA });
  });

  void test('development serves GraphiQL and shows unexpected errors unmasked', async () => {
    await using gw = await startGateway({ supergraph: { kind: 'subgraphs', subgraphs: [drivers, trips] }, port: 0, logger, registry: new Registry() });
    const page = await fetch(gw.url, { headers: { accept: 'text/html' } });
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await page.text(), /graphiql/i);
    const boom = await post(gw.url, { query: '{ boom }' });
    assert.equal(boom.body.errors?.[0]?.message, 'db password is hunter2');
  });

  void test('/metrics exposes requests and operation durations by type in Prometheus format', async () => {
    const registry = new Registry();
    await using gw = await startGateway({ supergraph: { kind: 'subgraphs', subgraphs: [drivers, trips] }, port: 0, logger, registry });
    await post(gw.url, { query: JOIN_QUERY });
    await post(gw.url, { query: '{ nope }' });
    const res = await fetch(gw.url.replace(/\/graphql$/, '/metrics'));
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await res.text();
    assert.match(text, /gateway_graphql_operations_total\{operation_type="query",outcome="ok"\} 1/);
    assert.match(text, /gateway_graphql_operations_total\{operation_type="query",outcome="validation_error"\} 1/);
    assert.match(text, /gateway_graphql_operation_duration_seconds_count\{operation_type="query"\} 1/);
    assert.match(text, /gateway_http_requests_total\{route="graphql",method="POST",status="200"\} 1/);
  });
});
