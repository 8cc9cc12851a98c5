/**
 * Suite `tracing`: what OpenTelemetry tracing costs a request (docs/decisions/0024-traces.md). One
 * cross-subgraph query (trips with their payments: trips + payments subgraphs over a DuckDB
 * fixture warehouse) through an inline gateway, on two stacks built in the same process: tracing
 * off (no plugin, subgraphs without spans, connectors unwrapped: what `tracing.enabled: false`
 * builds) and tracing on (Hive's OpenTelemetry plugin, subgraph and resolver spans, traced
 * warehouse; every request sampled; batched OTLP/HTTP export to a local receiver that accepts and
 * drops). Measured alternately, off / on / off / on, so drift in the shared machine hits both.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { tracedConnector } from '../../connectors/support/tracing.ts';
import { startTracingSdk } from '../../gateway/plugins/tracing-sdk.ts';
import { TracingConfigSchema } from '../../gateway/plugins/tracing-config.ts';
import { startGateway, type RunningGateway } from '../../gateway/server.ts';
import type { SubgraphServer } from '../../subgraphs/common/index.ts';
import { startPaymentsSubgraph } from '../../subgraphs/payments/index.ts';
import { startTripsSubgraph } from '../../subgraphs/trips/index.ts';
import { fixtureWarehouse } from '../../test/unit/subgraph-fixtures.ts';
import { failures, graphqlBody, runLoad, type LoadResult } from '../support/load.ts';
import { textReport } from '../support/report.ts';
import { ms, ratio, sig } from '../support/stats.ts';
import type { ResultRow, Suite, SuiteContext, SuiteResult } from '../support/types.ts';
import { measureTracingGrowth, tracingQuery } from './tracing-growth.ts';

const QUERY = tracingQuery(10);

function sink(): Promise<{ server: Server; endpoint: string; received: () => number }> {
  let received = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`, received: () => received })));
}

export const tracingSuite: Suite = {
  name: 'tracing',
  title: 'cross-subgraph query with tracing off vs on (every request sampled, OTLP export)',
  description:
    'The same trips + payments query through an inline gateway over the trips and payments subgraphs (DuckDB fixture), on a stack built with tracing off and one built with tracing on (Hive OpenTelemetry plugin, subgraph/resolver/warehouse spans, sampleRatio 1, batched OTLP/HTTP to a local sink), measured alternately in one process.',
  async run(ctx: SuiteContext): Promise<SuiteResult> {
    const connections = 10;
    const durationS = ctx.quick ? 2 : 8;
    const warmupS = ctx.quick ? 1 : 2;
    const warehouse = await fixtureWarehouse();
    const receiver = await sink();
    const servers: (SubgraphServer | RunningGateway)[] = [];
    const stack = async (on: boolean): Promise<string> => {
      const wh = on ? tracedConnector(warehouse) : warehouse;
      const trips = await startTripsSubgraph({ warehouse: wh, logger: ctx.logger, port: 0 });
      const payments = await startPaymentsSubgraph({ warehouse: wh, logger: ctx.logger, port: 0 });
      const gw = await startGateway({
        supergraph: { kind: 'subgraphs', subgraphs: [{ name: 'trips', url: trips.url }, { name: 'payments', url: payments.url }] },
        port: 0,
        logger: ctx.logger,
        registry: new Registry(),
        limits: { rateLimit: { enabled: false } },
        tracing: { enabled: on },
      });
      servers.push(trips, payments, gw);
      return gw.url;
    };
    const config = TracingConfigSchema.parse({ enabled: true, otlp: { endpoint: receiver.endpoint }, batch: { scheduledDelayMs: 500 } });
    // the off stack is built before the SDK exists, exactly as with tracing.enabled false
    const offUrl = await stack(false);
    const sdk = startTracingSdk(config, { serviceName: 'bench-tracing' });
    try {
      const onUrl = await stack(true);
      const body = graphqlBody(QUERY);
      const runs: { name: string; result: LoadResult }[] = [];
      for (const round of [1, 2]) {
        for (const [name, url] of [['tracing off', offUrl], ['tracing on', onUrl]] as const) {
          ctx.print(`  load: ${name}, round ${round} (${connections} connections, ${warmupS} s warm-up + ${durationS} s)`);
          runs.push({ name: `${name} (${round})`, result: await runLoad({ url, body, connections, durationS, warmupS }) });
        }
      }
      const grown = await measureTracingGrowth(ctx, { off: offUrl, on: onUrl }, connections);
      await sdk.forceFlush();
      const rps = (prefix: string): number => runs.filter((r) => r.name.startsWith(prefix)).reduce((s, r) => s + r.result.requestsPerSecond, 0) / 2;
      const p50 = (prefix: string): number => runs.filter((r) => r.name.startsWith(prefix)).reduce((s, r) => s + r.result.latencyMs.p50, 0) / 2;
      const rows: ResultRow[] = runs.map(({ name, result: r }) => ({ target: name, 'req/s': sig(r.requestsPerSecond), 'p50 ms': ms(r.latencyMs.p50), 'p90 ms': ms(r.latencyMs.p90), 'p99 ms': ms(r.latencyMs.p99), answered: r.requests, failed: failures(r) }));
      const result: SuiteResult = {
        growth: grown.growth,
        columns: ['target', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'answered', 'failed'],
        rows: [...rows, ...grown.rows],
        ratios: [
          { name: 'on/off throughput', value: ratio(rps('tracing on'), rps('tracing off')), meaning: 'req/s with every request traced over req/s with tracing off (mean of two rounds; <1: the cost of tracing)' },
          { name: 'on/off p50 latency', value: ratio(p50('tracing on'), p50('tracing off')), meaning: 'median latency traced over untraced (>1: the cost of tracing)' },
        ],
        notes: [
          `load: autocannon, ${connections} connections, POST, ${warmupS} s warm-up then ${durationS} s measured, off / on alternately twice, one process (subgraphs, gateways and DuckDB fixture of test/unit/subgraph-fixtures.ts share its event loop).`,
          `tracing on: sampleRatio 1 (the worst case), BatchSpanProcessor, OTLP/HTTP JSON to a local receiver that accepted ${receiver.received()} export requests.`,
          'tracing off is the stack `tracing.enabled: false` builds: no Hive plugin loaded, no subgraph or resolver spans, connectors not wrapped; nothing of the SDK is on its path.',
          `query: ${QUERY}`,
          ...grown.notes,
        ],
      };
      ctx.print(textReport(result));
      return result;
    } finally {
      for (const s of servers.reverse()) await s.close();
      await sdk.shutdown();
      await warehouse.close();
      await new Promise<void>((resolve) => receiver.server.close(() => resolve()));
    }
  },
};
