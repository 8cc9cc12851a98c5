/**
 * Suite `warehouse`: the BI aggregate tripStats(granularity: HOUR) (trips per hour and region over
 * 24 hours) on DuckDB (embedded) and on ClickHouse (services profile) holding the same rows: the
 * trips subgraph's own query function called in-process (engine + connector), and tripStats over
 * GraphQL from a trips subgraph on each warehouse at fixed concurrency. ClickHouse is optional: when
 * it does not answer, the suite measures DuckDB alone and says so.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import type { Row, Warehouse } from '../../connectors/contracts/warehouse.ts';
import { createClickHouseWarehouse } from '../../connectors/clickhouse/index.ts';
import { createDuckDbWarehouse } from '../../connectors/embedded/index.ts';
import { WAREHOUSE_TABLES } from '../../schema/tables/warehouse-tables.ts';
import type { SubgraphServer } from '../../subgraphs/common/index.ts';
import { startTripsSubgraph } from '../../subgraphs/trips/index.ts';
import { tripBuckets, type TripBucketRow } from '../../subgraphs/trips/queries.ts';
import { benchAuth } from '../support/auth.ts';
import { gqlData } from '../support/gql.ts';
import { failures, graphqlBody, runLoad, type LoadResult } from '../support/load.ts';
import { textReport } from '../support/report.ts';
import { CLICKHOUSE_URL, clickhouseExec, clickhouseProblem } from '../support/services.ts';
import { ms, ratio, sig, summarize } from '../support/stats.ts';
import type { Ratio, ResultRow, Suite, SuiteContext, SuiteResult } from '../support/types.ts';
import { syntheticTrips } from './warehouse-data.ts';

const TRIP_STATS = 'query HourlyTrips($from: DateTime!, $to: DateTime!) { tripStats(granularity: HOUR, from: $from, to: $to) { bucketStart region { id } trips completed cancelled cancellationRate revenue averageFare } }';

interface Engine {
  readonly name: 'DuckDB' | 'ClickHouse';
  readonly warehouse: Warehouse;
  loadSeconds: number;
  subgraph: SubgraphServer | null;
}

async function load(wh: Warehouse, rows: Iterable<Row>, chunk: number): Promise<number> {
  const t0 = performance.now();
  let batch: Row[] = [];
  for (const r of rows) {
    batch.push(r);
    if (batch.length === chunk) {
      const res = await wh.insert('trips', batch);
      if (res.rejected.length > 0) throw new Error(`${wh.dialect} refused ${res.rejected.length} rows: ${res.rejected[0]?.reason}`);
      batch = [];
    }
  }
  if (batch.length > 0) await wh.insert('trips', batch);
  return (performance.now() - t0) / 1000;
}

/** Sequential calls of the trips subgraph's tripBuckets() for `seconds`: latencies in ms. */
async function sequential(wh: Warehouse, range: { from: number; to: number }, seconds: number): Promise<number[]> {
  for (let i = 0; i < 3; i++) await tripBuckets(wh, 'requested_hour', range, null);
  const out: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const t = performance.now();
    await tripBuckets(wh, 'requested_hour', range, null);
    out.push(performance.now() - t);
  }
  return out;
}

function sameBuckets(a: readonly TripBucketRow[], b: readonly TripBucketRow[]): string | null {
  if (a.length !== b.length) return `${a.length} vs ${b.length} buckets`;
  const key = (r: TripBucketRow): string => `${String(r.bucket)}|${r.regionId}`;
  const bs = new Map(b.map((r) => [key(r), r]));
  for (const r of a) {
    const o = bs.get(key(r));
    if (!o) return `bucket ${key(r)} missing`;
    if (o.trips !== r.trips || o.completed !== r.completed || o.cancelled !== r.cancelled || Math.abs(o.revenue - r.revenue) > 1e-6 * Math.max(1, r.revenue)) {
      return `bucket ${key(r)} differs: ${JSON.stringify(r)} vs ${JSON.stringify(o)}`;
    }
  }
  return null;
}

export const warehouseSuite: Suite = {
  name: 'warehouse',
  title: 'BI aggregate tripStats(HOUR): DuckDB vs ClickHouse, same rows',
  description:
    'tripStats(granularity: HOUR) over 24 hours of trips (per hour and region: trips, completed, cancelled, revenue) on DuckDB and on ClickHouse loaded with the same synthetic rows: the trips subgraph\'s SQL called in-process one query at a time, and the GraphQL field from a trips subgraph on each warehouse under concurrent load.',
  async run(ctx: SuiteContext): Promise<SuiteResult> {
    const count = Number(process.env.BENCH_WAREHOUSE_ROWS ?? (ctx.quick ? 20_000 : 200_000));
    const seqSeconds = ctx.quick ? 1 : 4;
    const durationS = ctx.quick ? 2 : 6;
    const warmupS = ctx.quick ? 1 : 2;
    const connections = 10;
    const now = Date.now();
    const range = { from: now - 24 * 3_600_000, to: now + 1 };
    const notes: string[] = [];
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gofuture-bench-wh-'));
    const database = `gf_bench_${ctx.runId}`;
    const engines: Engine[] = [];
    const connectorCtx = () => ({ logger: ctx.logger, metrics: new Registry() });
    // production subgraphs answer only gateway-signed requests: the suite signs as the gateway does
    const { signature } = benchAuth();
    const signed = { hmacSecret: signature.secret };
    try {
      engines.push({ name: 'DuckDB', warehouse: createDuckDbWarehouse({ path: path.join(dir, 'warehouse.duckdb') }, connectorCtx()), loadSeconds: 0, subgraph: null });
      const chProblem = await clickhouseProblem();
      if (chProblem) {
        const msg = `ClickHouse is not reachable at ${CLICKHOUSE_URL} (${chProblem}): measured DuckDB alone. Start it with \`bash scripts/services.sh up clickhouse\` or set CLICKHOUSE_URL.`;
        ctx.print(`  ${msg}`);
        notes.push(msg);
      } else {
        engines.push({ name: 'ClickHouse', warehouse: createClickHouseWarehouse({ url: CLICKHOUSE_URL, database }, connectorCtx()), loadSeconds: 0, subgraph: null });
      }
      for (const e of engines) {
        await e.warehouse.start();
        await e.warehouse.ensureTables(WAREHOUSE_TABLES);
        ctx.print(`  loading ${count} trips into ${e.name}...`);
        e.loadSeconds = await load(e.warehouse, syntheticTrips(count, now), 10_000);
        e.subgraph = await startTripsSubgraph({ warehouse: e.warehouse, logger: ctx.logger, port: 0, production: true, signature, now: () => now });
      }

      // Same answer from every engine, in-process and over GraphQL, before measuring.
      const answers = await Promise.all(engines.map((e) => tripBuckets(e.warehouse, 'requested_hour', range, null)));
      const reference = answers[0] ?? [];
      const trips = reference.reduce((s, r) => s + r.trips, 0);
      if (trips !== count) throw new Error(`DuckDB counts ${trips} trips in the range, expected ${count}`);
      for (let i = 1; i < answers.length; i++) {
        const diff = sameBuckets(reference, answers[i] ?? []);
        if (diff) throw new Error(`${engines[i]?.name} answers tripStats differently from DuckDB: ${diff}`);
      }
      const variables = { from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString() };
      for (const e of engines) {
        const d = await gqlData<{ tripStats: unknown[] }>((e.subgraph as SubgraphServer).url, TRIP_STATS, variables, signed);
        if (d.tripStats.length !== reference.length) throw new Error(`${e.name}: tripStats over GraphQL has ${d.tripStats.length} buckets, expected ${reference.length}`);
      }

      const rows: ResultRow[] = [];
      const seq = new Map<string, ReturnType<typeof summarize> & { qps: number }>();
      const http = new Map<string, LoadResult>();
      for (const e of engines) {
        ctx.print(`  ${e.name}: tripBuckets() in-process, one at a time, ${seqSeconds} s`);
        const lat = await sequential(e.warehouse, range, seqSeconds);
        const s = { ...summarize(lat), qps: lat.length / (lat.reduce((a, b) => a + b, 0) / 1000) };
        seq.set(e.name, s);
        rows.push({ engine: e.name, via: 'SQL in-process, 1 at a time', 'queries/s': sig(s.qps), 'p50 ms': ms(s.p50), 'p99 ms': ms(s.p99), answered: s.count, failed: 0 });
      }
      for (const e of engines) {
        ctx.print(`  ${e.name}: tripStats over GraphQL (${connections} connections, ${warmupS} s warm-up + ${durationS} s)`);
        const r = await runLoad({ url: (e.subgraph as SubgraphServer).url, body: graphqlBody(TRIP_STATS, variables), connections, durationS, warmupS, ...signed });
        http.set(e.name, r);
        rows.push({ engine: e.name, via: `GraphQL, ${connections} connections`, 'queries/s': sig(r.requestsPerSecond), 'p50 ms': ms(r.latencyMs.p50), 'p99 ms': ms(r.latencyMs.p99), answered: r.requests, failed: failures(r) });
      }
      const ch = 'ClickHouse';
      const ratios: Ratio[] = [
        { name: 'clickhouse/duckdb p50 latency, in-process', value: ratio(seq.get(ch)?.p50, seq.get('DuckDB')?.p50), meaning: 'time of one tripStats aggregate on ClickHouse over DuckDB, one query at a time (>1: DuckDB answers faster)' },
        { name: 'clickhouse/duckdb throughput, GraphQL', value: ratio(http.get(ch)?.requestsPerSecond, http.get('DuckDB')?.requestsPerSecond), meaning: `tripStats answered per second by a trips subgraph on ClickHouse over one on DuckDB at ${connections} connections (>1: ClickHouse serves more)` },
        { name: 'clickhouse/duckdb load time', value: ratio(engines[1]?.loadSeconds, engines[0]?.loadSeconds), meaning: `time to insert the ${count} rows through Warehouse.insert() in batches of 10000` },
      ];
      notes.push(
        `data: ${count} synthetic trips (fixed seed, warehouse-data.ts) requested in the 24 h before the run, ${reference.length} (hour, region) buckets; loaded in ${engines.map((e) => `${e.loadSeconds.toFixed(1)} s into ${e.name}`).join(', ')}.`,
        'checked before measuring: every engine returns the same buckets (counts equal, revenue within 1e-6), and the trips total equals the rows loaded.',
        'DuckDB: a file in a temp dir, one connection (the connector serialises statements). ClickHouse: Debian\'s 18.16 on loopback (scripts/services.sh); `trips` is a view over a ReplacingMergeTree with FINAL (exact upserts), so every query merges at read time.',
        `ClickHouse database ${database}, dropped afterwards. GraphQL load: autocannon in a worker thread, ${warmupS} s warm-up, ${durationS} s measured, every response checked; each subgraph runs in production mode and verifies the gateway's HMAC signature on every request (one fixed signed body).`,
      );
      const result: SuiteResult = { columns: ['engine', 'via', 'queries/s', 'p50 ms', 'p99 ms', 'answered', 'failed'], rows, ratios, notes };
      ctx.print(textReport(result));
      return result;
    } finally {
      for (const e of engines) {
        await e.subgraph?.close().catch(() => undefined);
        await e.warehouse.close().catch(() => undefined);
      }
      if (engines.some((e) => e.name === 'ClickHouse')) await clickhouseExec(`DROP DATABASE IF EXISTS ${database}`).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
  },
};
