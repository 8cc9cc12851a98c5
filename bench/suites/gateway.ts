/**
 * Suite `gateway`: one BI query that needs two subgraphs (trips with their region, from the trips
 * subgraph, and their payments with the fraud assessment, from the payments subgraph), at fixed
 * concurrency, through the gateway with the JS planner and with the Rust planner; and the trips-only
 * part of it straight to the trips subgraph (the floor: no gateway, no second subgraph). The
 * trips-only query through the JS gateway separates the gateway hop from the federated join.
 * Each planner runs both on the jobs' event loop ("inline") and in its own worker thread behind
 * the front door (gateway/thread.ts, how the platform runs it): the cost of the isolation.
 */
import { Registry } from 'prom-client';
import { startGateway, type PlannerKind, type RunningGateway } from '../../gateway/server.ts';
import { startGatewayThread } from '../../gateway/thread.ts';
import { DATA_START, startLoadedPlatform } from '../support/embedded.ts';
import { gqlData } from '../support/gql.ts';
import { biQuery, measureGatewayGrowth, tripsOnlyQuery } from './gateway-growth.ts';
import { failures, graphqlBody, runLoad, UNIQUE_INSTANT, type LoadResult } from '../support/load.ts';
import { textReport } from '../support/report.ts';
import { ms, ratio, sig } from '../support/stats.ts';
import type { ResultRow, Suite, SuiteContext, SuiteResult } from '../support/types.ts';

export const BI_QUERY = biQuery(20);
export const TRIPS_ONLY_QUERY = tripsOnlyQuery(20);

const FIXED_BEFORE = '2999-01-01T00:00:00.000Z';

interface TripsData {
  readonly trips: { readonly totalCount: number; readonly edges: readonly { readonly node: { readonly payments?: readonly unknown[] } }[] };
}

interface Target {
  readonly name: string;
  readonly what: string;
  readonly url: string;
  readonly query: string;
  /** false: every request is byte-identical (the gateway may share in-flight subgraph fetches). */
  readonly unique: boolean;
  /** A subgraph called directly: requests signed with the gateway's HMAC secret, no token. */
  readonly direct?: boolean;
}

function row(t: Target, r: LoadResult): ResultRow {
  return {
    target: t.name,
    query: t.what,
    requests: t.unique ? 'distinct' : 'identical',
    'req/s': sig(r.requestsPerSecond),
    'p50 ms': ms(r.latencyMs.p50),
    'p90 ms': ms(r.latencyMs.p90),
    'p99 ms': ms(r.latencyMs.p99),
    answered: r.requests,
    failed: failures(r),
    'CPU ms/req': null,
  };
}

export const gatewaySuite: Suite = {
  name: 'gateway',
  title: 'federated BI query: JS planner vs Rust planner vs the subgraph alone',
  description:
    'The same BI query (20 newest completed trips with region and payments: trips + payments subgraphs) at fixed concurrency through the gateway with the JS planner and with the Rust planner (@graphql-hive/router-runtime), and its trips-only part sent straight to the trips subgraph (the floor), all on the embedded platform (DuckDB) in one process.',
  async run(ctx: SuiteContext): Promise<SuiteResult> {
    const connections = 10;
    const durationS = ctx.quick ? 2 : 10;
    const warmupS = ctx.quick ? 1 : 2;
    ctx.print('loading the embedded platform (simulator -> landing -> DuckDB)...');
    const hours = ctx.quick ? 0.5 : 2;
    const loaded = await startLoadedPlatform({ logger: ctx.logger, hours, ratePerSecond: 1 });
    const gateways: RunningGateway[] = [];
    try {
      const { platform, dataset, auth } = loaded;
      // BI callers: a bi token to every gateway; the subgraph alone gets gateway-signed requests
      const biHeaders = await auth.headers('bi');
      const authOf = (t: Target): { headers?: Record<string, string>; hmacSecret?: string } => (t.direct ? { hmacSecret: auth.config.hmacSecret } : { headers: biHeaders });
      ctx.print(`  ${dataset.trips} trips, ${dataset.payments} payments from ${dataset.events} events (${dataset.seconds.toFixed(1)} s)`);
      const supergraph = { kind: 'subgraphs', subgraphs: Object.entries(platform.subgraphUrls).map(([name, url]) => ({ name, url })) } as const;
      const inline = async (planner: PlannerKind): Promise<RunningGateway> => {
        // one load generator is one caller: a rate limit would only measure itself
        const gw = await startGateway({ supergraph, port: 0, logger: ctx.logger, production: true, planner, registry: new Registry(), limits: { rateLimit: { enabled: false } }, auth: auth.config });
        gateways.push(gw);
        return gw;
      };
      const jsGw = await inline('js');
      const rust = await inline('rust');
      const rustThread = await startGatewayThread({ gateway: { supergraph, production: true, planner: 'rust', limits: { rateLimit: { enabled: false } }, auth: auth.config }, port: 0, logger: ctx.logger, logLevel: 'silent' });
      gateways.push(rustThread);
      const targets: Target[] = [
        { name: 'gateway, JS planner', what: 'trips + payments', url: jsGw.url, query: BI_QUERY, unique: true },
        { name: 'gateway, Rust planner', what: 'trips + payments', url: rust.url, query: BI_QUERY, unique: true },
        { name: 'trips subgraph direct (floor)', what: 'trips only', url: platform.subgraphUrls.trips, query: TRIPS_ONLY_QUERY, unique: true, direct: true },
        { name: 'gateway, JS planner', what: 'trips only', url: jsGw.url, query: TRIPS_ONLY_QUERY, unique: true },
        { name: 'gateway, JS planner', what: 'trips + payments', url: jsGw.url, query: BI_QUERY, unique: false },
        // the platform's own gateway: its worker thread behind the front door, JS planner (config)
        { name: 'gateway thread + front, JS planner', what: 'trips + payments', url: platform.gatewayUrl, query: BI_QUERY, unique: true },
        { name: 'gateway thread + front, Rust planner', what: 'trips + payments', url: rustThread.url, query: BI_QUERY, unique: true },
      ];

      // Same answer everywhere before measuring: both planners return identical JSON.
      const answers = await Promise.all(targets.map((t) => gqlData<TripsData>(t.url, t.query, { before: FIXED_BEFORE }, authOf(t))));
      const [js, rs, direct] = answers;
      if (JSON.stringify(js) !== JSON.stringify(rs)) throw new Error('the JS and Rust planners answer the BI query differently');
      if (!js || js.trips.edges.length !== 20) throw new Error(`the BI query returned ${js?.trips.edges.length ?? 0} trips, expected 20`);
      const withPayments = js.trips.edges.filter((e) => (e.node.payments?.length ?? 0) > 0).length;
      if (withPayments === 0) throw new Error('none of the 20 trips has a payment: the query would not exercise the payments subgraph');
      if (direct?.trips.totalCount !== js.trips.totalCount) throw new Error('the trips subgraph and the gateway disagree on totalCount');

      const results: LoadResult[] = [];
      for (const t of targets) {
        ctx.print(`  load: ${t.name}, ${t.what} (${connections} connections, ${warmupS} s warm-up + ${durationS} s)`);
        const body = graphqlBody(t.query, { before: t.unique ? UNIQUE_INSTANT : FIXED_BEFORE });
        results.push(await runLoad({ url: t.url, body, connections, durationS, warmupS, ...authOf(t) }));
      }
      const [jsR, rustR, directR, jsOnlyR, jsSameR, jsThreadR, rustThreadR] = results as [LoadResult, LoadResult, LoadResult, LoadResult, LoadResult, LoadResult, LoadResult];
      const grown = await measureGatewayGrowth(
        ctx,
        [
          { name: 'gateway, JS planner (trips + payments)', url: jsGw.url, auth: { headers: biHeaders }, query: biQuery },
          { name: 'gateway, Rust planner (trips + payments)', url: rust.url, auth: { headers: biHeaders }, query: biQuery },
          { name: 'trips subgraph direct, trips only (floor)', url: platform.subgraphUrls.trips, auth: { hmacSecret: auth.config.hmacSecret }, query: tripsOnlyQuery },
        ],
      );
      const result: SuiteResult = {
        growth: grown.growth,
        columns: ['target', 'query', 'requests', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'answered', 'failed', 'CPU ms/req'],
        rows: [...targets.map((t, i) => row(t, results[i] as LoadResult)), ...grown.rows],
        ratios: [
          { name: 'rust/js throughput', value: ratio(rustR.requestsPerSecond, jsR.requestsPerSecond), meaning: 'req/s of the Rust planner over the JS planner on the two-subgraph query (>1: Rust serves more)' },
          { name: 'rust/js p50 latency', value: ratio(rustR.latencyMs.p50, jsR.latencyMs.p50), meaning: 'median latency of the Rust planner over the JS planner (<1: Rust answers faster)' },
          { name: 'rust/js throughput, thread + front', value: ratio(rustThreadR.requestsPerSecond, jsThreadR.requestsPerSecond), meaning: 'the same, both planners in their own gateway thread behind the front door (how the platform runs)' },
          { name: 'thread/inline throughput (js)', value: ratio(jsThreadR.requestsPerSecond, jsR.requestsPerSecond), meaning: 'the JS gateway in its thread behind the front door over the JS gateway on the jobs event loop: the cost (<1) or gain (>1) of the isolation' },
          { name: 'thread/inline throughput (rust)', value: ratio(rustThreadR.requestsPerSecond, rustR.requestsPerSecond), meaning: 'the same for the Rust planner' },
          { name: 'gateway(js)/direct p50 latency', value: ratio(jsR.latencyMs.p50, directR.latencyMs.p50), meaning: 'the federated query through the gateway vs the trips-only part from the subgraph alone: what the gateway hop plus the payments join cost' },
          { name: 'gateway(js)/direct p50, trips only', value: ratio(jsOnlyR.latencyMs.p50, directR.latencyMs.p50), meaning: 'the same trips-only query through the gateway vs straight to the subgraph: the gateway hop alone' },
          { name: 'direct/gateway(js) throughput', value: ratio(directR.requestsPerSecond, jsR.requestsPerSecond), meaning: 'requests the subgraph alone serves (trips only) per federated request the gateway serves' },
          { name: 'identical/distinct throughput (js)', value: ratio(jsSameR.requestsPerSecond, jsR.requestsPerSecond), meaning: 'byte-identical concurrent requests over distinct ones through the JS gateway: what sharing identical in-flight subgraph fetches gains' },
        ],
        notes: [
          `data: ${dataset.trips} trips and ${dataset.payments} payments landed in DuckDB from ${dataset.events} simulated events (seed 2024, ${new Date(DATA_START).toISOString()} + ${hours} h); nothing writes while measuring.`,
          `load: autocannon, ${connections} connections, POST, ${warmupS} s warm-up then ${durationS} s measured, one target after the other, in a worker thread of the same process (2xx latencies recorded exactly).`,
          `checked before measuring: both planners return identical JSON, 20 trips (${withPayments} of them with payments), and the subgraph agrees on totalCount; every response is checked during the load ("failed" counts errors, non-2xx and GraphQL errors).`,
          'auth on, as in production (ADR 0005): every gateway checks a bi JWT (HS256, per-run secret) on each request and signs its subgraph requests (HMAC); the direct requests to the trips subgraph carry the same HMAC signature, computed by the load generator (its thread), verified by the subgraph.',
          'the platform runs with production: true (no GraphiQL, masked errors); five subgraphs and the "inline" gateways share one Node.js event loop, the "thread + front" gateways run in their own worker thread behind a front door on that loop that pipes bytes; DuckDB runs on its own threads.',
          `"distinct" requests: each one asks for trips before its own far-future instant (same rows, never byte-identical), so no execution is shared; "identical": the same body every time, which lets Hive's HTTP executor share identical in-flight subgraph fetches. The entity fetch to payments (same 20 trips) can be shared in both modes.`,
          `query through the gateways: ${BI_QUERY}`,
          ...grown.notes,
        ],
      };
      ctx.print(textReport(result));
      return result;
    } finally {
      await Promise.all(gateways.map((g) => g.close()));
      await loaded.stop();
    }
  },
};
