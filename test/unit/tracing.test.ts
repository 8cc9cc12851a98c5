/**
 * Traces gateway -> subgraphs -> connector calls (docs/decisions/0024-traces.md): the real gateway
 * (Hive's OpenTelemetry plugin) over our real trips and payments subgraphs and a DuckDB warehouse,
 * all in this thread with an `InMemorySpanExporter`. A cross-subgraph query is one trace: every
 * span shares the trace id, the subgraphs' SERVER spans are children of the gateway's upstream
 * fetch spans (W3C `traceparent` over HTTP), resolver spans are children of their subgraph's span
 * and the warehouse queries children of those; a caller's `traceparent` is continued; the
 * subgraphs' request log lines carry the trace id. With tracing off nothing is traced.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { Warehouse } from '../../connectors/contracts/warehouse.ts';
import { createMemoryEventLog, createMemoryOnlineStore } from '../../connectors/embedded/index.ts';
import { tracedConnector } from '../../connectors/support/tracing.ts';
import { traceLogFields } from '../../gateway/plugins/tracing-log.ts';
import { startTracingSdk, type TracingSdk } from '../../gateway/plugins/tracing-sdk.ts';
import { TracingConfigSchema } from '../../gateway/plugins/tracing-config.ts';
import { startGateway, type RunningGateway } from '../../gateway/server.ts';
import type { SubgraphServer } from '../../subgraphs/common/index.ts';
import { tracingRegistered } from '../../subgraphs/common/tracing.ts';
import { startPaymentsSubgraph } from '../../subgraphs/payments/index.ts';
import { startTripsSubgraph } from '../../subgraphs/trips/index.ts';
import { fixtureWarehouse, silent } from './subgraph-fixtures.ts';

const QUERY = '{ trips(first: 3) { edges { node { id status payments { id amount } } } } }';

const exporter = new InMemorySpanExporter();
const logLines: Record<string, unknown>[] = [];
const capture = new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') logLines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  },
});
const logger = pino({ level: 'debug', mixin: traceLogFields }, capture);

let sdk: TracingSdk;
let rawWarehouse: Warehouse;
let trips: SubgraphServer;
let payments: SubgraphServer;
let gw: RunningGateway;

const idOf = (s: ReadableSpan): string => s.spanContext().spanId;
const parentOf = (s: ReadableSpan): string | undefined => s.parentSpanContext?.spanId;

async function post(headers: Record<string, string> = {}): Promise<Response> {
  return fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query: QUERY }) });
}

/** The spans of one trace, once its root (the gateway's HTTP span, which ends last) has ended. */
async function traceOf(traceId: string | undefined, isRoot: (s: ReadableSpan) => boolean): Promise<ReadableSpan[]> {
  for (let i = 0; i < 200; i++) {
    await sdk.forceFlush();
    const spans = exporter.getFinishedSpans();
    const root = spans.find((s) => isRoot(s) && (traceId === undefined || s.spanContext().traceId === traceId));
    if (root) return spans.filter((s) => s.spanContext().traceId === root.spanContext().traceId);
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no finished root span; spans: ${exporter.getFinishedSpans().map((s) => s.name).join(', ')}`);
}

/** Is `span` below `ancestor` (through parent links inside `spans`)? */
function below(spans: readonly ReadableSpan[], span: ReadableSpan, ancestor: ReadableSpan): boolean {
  const byId = new Map(spans.map((s) => [idOf(s), s]));
  for (let p = parentOf(span); p !== undefined; p = byId.get(p) ? parentOf(byId.get(p)!) : undefined) if (p === idOf(ancestor)) return true;
  return false;
}

void describe('traces of a cross-subgraph query', () => {
  before(async () => {
    sdk = startTracingSdk(TracingConfigSchema.parse({ enabled: true }), { serviceName: 'tracing-test', exporter });
    rawWarehouse = await fixtureWarehouse();
    const warehouse = tracedConnector(rawWarehouse);
    trips = await startTripsSubgraph({ warehouse, logger: logger.child({ subgraph: 'trips' }), port: 0 });
    payments = await startPaymentsSubgraph({ warehouse, logger: logger.child({ subgraph: 'payments' }), port: 0 });
    gw = await startGateway({
      supergraph: { kind: 'subgraphs', subgraphs: [{ name: 'trips', url: trips.url }, { name: 'payments', url: payments.url }] },
      port: 0,
      logger: silent,
      registry: new Registry(),
      tracing: { enabled: true },
    });
  });
  after(async () => {
    await gw.close();
    await trips.close();
    await payments.close();
    await rawWarehouse.close();
    await sdk.shutdown();
  });

  void test('one trace: gateway HTTP -> subgraph fetches -> subgraph SERVER spans -> resolvers -> warehouse queries', async () => {
    exporter.reset();
    const res = await post();
    const body = (await res.json()) as { data?: unknown; errors?: unknown };
    assert.equal(body.errors, undefined, JSON.stringify(body));
    const spans = await traceOf(undefined, (s) => s.instrumentationScope.name === 'gateway' && s.parentSpanContext === undefined && s.name.includes('/graphql'));
    const names = spans.map((s) => s.name);
    const root = spans.find((s) => s.parentSpanContext === undefined);
    assert.ok(root, `one root span: ${names.join(', ')}`);
    assert.equal(spans.filter((s) => s.parentSpanContext === undefined).length, 1, `exactly one root: ${names.join(', ')}`);
    const ids = new Set(spans.map(idOf));
    for (const s of spans) if (s !== root) assert.ok(ids.has(parentOf(s) ?? ''), `${s.name} has its parent in the trace`);

    const server = (name: string): ReadableSpan => {
      const s = spans.find((x) => x.name === `subgraph ${name}`);
      assert.ok(s, `a SERVER span for ${name}: ${names.join(', ')}`);
      return s;
    };
    for (const [name, resolver] of [['trips', 'resolve Query.trips'], ['payments', 'resolve Query._entities']] as const) {
      const sg = server(name);
      const parent = spans.find((s) => idOf(s) === parentOf(sg));
      assert.ok(parent && parent.instrumentationScope.name === 'gateway', `${name}: its parent is a gateway span (propagated traceparent), got ${parent?.name}`);
      const r = spans.find((s) => s.name === resolver && parentOf(s) === idOf(sg));
      assert.ok(r, `${resolver} is a child of subgraph ${name}: ${names.join(', ')}`);
      const queries = spans.filter((s) => s.name === 'warehouse.query' && below(spans, s, sg));
      assert.ok(queries.length > 0, `warehouse queries below subgraph ${name}`);
      for (const q of queries) assert.match(String(q.attributes['db.query.text']), /SELECT/i);
    }
    const tripsQuery = spans.find((s) => s.name === 'warehouse.query' && below(spans, s, spans.find((x) => x.name === 'resolve Query.trips')!));
    assert.ok(tripsQuery, 'the trips page query is a child of the Query.trips resolver span');

    const traceId = root.spanContext().traceId;
    const served = logLines.filter((l) => l['msg'] === 'graphql request served' && l['trace_id'] === traceId).map((l) => l['subgraph']);
    assert.deepEqual([...new Set(served)].sort(), ['payments', 'trips'], 'each subgraph logged its request with the trace id');
  });

  void test("a caller's traceparent is continued: same trace id, the gateway span its child", async () => {
    exporter.reset();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpan = '00f067aa0ba902b7';
    const res = await post({ traceparent: `00-${traceId}-${callerSpan}-01` });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    const spans = await traceOf(traceId, (s) => s.instrumentationScope.name === 'gateway' && parentOf(s) === callerSpan);
    const top = spans.filter((s) => parentOf(s) === callerSpan);
    assert.equal(top.length, 1, 'one gateway span is the child of the caller span');
    assert.ok(spans.some((s) => s.name === 'subgraph trips') && spans.some((s) => s.name === 'subgraph payments'), 'both subgraphs joined the caller trace');
  });

  void test('online-store reads and event-log produce inside a request are its CLIENT spans', async () => {
    exporter.reset();
    const ctx = { logger: silent, metrics: new Registry() };
    await using store = createMemoryOnlineStore({}, ctx);
    await using log = createMemoryEventLog({}, ctx);
    await store.start();
    await log.start();
    await log.ensureTopics([{ name: 'traced', partitions: 1, keyField: 'k', retentionMs: 86_400_000, compression: 'none' }]);
    const tStore = tracedConnector(store);
    const tLog = tracedConnector(log);
    await trace.getTracer('tracing-test').startActiveSpan('request', async (span) => {
      await tStore.put([{ entity: 'driver', id: 'd1', values: { rating: 4.9 }, ttlMs: 60_000 }]);
      assert.equal((await tStore.getMany('driver', ['d1', 'd2']))[0]?.values['rating'], 4.9);
      await tLog.publish('traced', [{ key: 'k', value: '{}' }]);
      span.end();
    });
    await sdk.forceFlush();
    const spans = exporter.getFinishedSpans();
    const parent = spans.find((s) => s.name === 'request');
    assert.ok(parent);
    const children = spans.filter((s) => parentOf(s) === idOf(parent));
    assert.deepEqual(children.map((s) => s.name).sort(), ['eventLog.publish', 'onlineStore.getMany', 'onlineStore.put']);
    const get = children.find((s) => s.name === 'onlineStore.getMany');
    assert.equal(get?.attributes['gofuture.keys'], 2);
    assert.equal(get?.attributes['gofuture.entity'], 'driver');
    assert.equal(children.find((s) => s.name === 'eventLog.publish')?.attributes['messaging.destination.name'], 'traced');
  });

  void test('connector calls outside a traced request (jobs) start no span', async () => {
    exporter.reset();
    await tracedConnector(rawWarehouse).query('SELECT 1 AS one');
    await sdk.forceFlush();
    assert.deepEqual(exporter.getFinishedSpans().map((s) => s.name), []);
  });
});

void test('tracing off: no tracer provider registered, so subgraphs are built without spans', () => {
  assert.equal(tracingRegistered(), false);
});
