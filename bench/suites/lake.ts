/**
 * Suites `lake` and `lake-10m` (issue 8 §6), embedded, nothing to start:
 * - bronze (`lake` only): records per second from the event log into bronze Delta tables by our
 *   bronze job, against the peer: the same records written as Parquet by a plain DuckDB COPY (NDJSON
 *   in, partitioned Parquet out, no Delta log, no consumer, no exactly-once bookkeeping);
 * - gold: the time to rebuild one gold day (the 7 gold models + their data tests, one Delta commit
 *   each) from silver tables of one day of N domain events (1M for `lake`, 10M for `lake-10m`;
 *   BENCH_LAKE_EVENTS overrides), against the same gold SQL on a plain DuckDB and the same seven
 *   models in pandas/pyarrow, both on the same Parquet files (the silver snapshot exported once).
 * Every contender runs twice, alternating (A B C A B C), in the same run; medians are reported.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { textReport } from '../support/report.ts';
import { ratio, sig } from '../support/stats.ts';
import type { Ratio, ResultRow, Suite, SuiteContext, SuiteResult } from '../support/types.ts';
import { bronzeRecords, writeSilverDay } from './lake-data.ts';
import { bronzeOurs, bronzePeer, exportSilver, goldDuckDb, goldOurs, goldPandas, goldSql, openBenchLake, pythonEnv, type PandasRun } from './lake-runs.ts';

const DAY = '2026-03-07';
const ROUNDS = 2;
const COLUMNS = ['target', 'events', 'median s', 'events/s', 'round 1 s', 'round 2 s', 'check'] as const;

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

function row(target: string, events: number, seconds: readonly number[], check: string): ResultRow {
  const med = median(seconds);
  return { target, events, 'median s': sig(med), 'events/s': sig(events / med), 'round 1 s': sig(seconds[0] ?? null), 'round 2 s': sig(seconds[1] ?? null), check };
}

async function bronze(ctx: SuiteContext, dir: string, rows: ResultRow[], ratios: Ratio[], notes: string[]): Promise<void> {
  const n = ctx.quick ? 20_000 : Number(process.env.BENCH_BRONZE_RECORDS ?? 200_000);
  const records = bronzeRecords(n, DAY);
  const ours: number[] = [];
  const peer: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    ctx.print(`  bronze round ${r + 1}: our bronze job, ${n} records...`);
    const a = await bronzeOurs(records, path.join(dir, `bronze-ours-${r}`), ctx.logger);
    if (a.rows !== n) throw new Error(`bronze job wrote ${a.rows} of ${n} records`);
    ours.push(a.seconds);
    ctx.print(`  bronze round ${r + 1}: DuckDB COPY to Parquet...`);
    const b = await bronzePeer(records, path.join(dir, `bronze-peer-${r}`));
    if (b.rows !== n) throw new Error(`peer wrote ${b.rows} of ${n} records`);
    peer.push(b.seconds);
    await rm(path.join(dir, `bronze-ours-${r}`), { recursive: true, force: true });
    await rm(path.join(dir, `bronze-peer-${r}`), { recursive: true, force: true });
  }
  rows.push(row('bronze: our bronze job (event log -> Delta, exactly-once txn)', n, ours, `${n} rows in the Delta snapshots`));
  rows.push(row('bronze peer: DuckDB COPY NDJSON -> Parquet', n, peer, `${n} rows written`));
  ratios.push({ name: 'bronze events/s, ours / DuckDB COPY', value: sig(ratio(median(peer), median(ours))), meaning: 'share of a bare Parquet write our bronze job reaches (1.0 = as fast; it also consumes the log and commits Delta with txn positions)' });
  notes.push(`bronze: ${n} records (~${Math.round((records.get('booking-events')?.[0]?.value.length ?? 0))} B JSON values) over 4 topics, published to the in-process event log before the clock starts; ours: startBronzeJob (maxRows 50000, flushMs 500, maxBatchSize 5000) until every record is committed; peer: the same rows as NDJSON -> read_json -> COPY ... (FORMAT PARQUET, PARTITION_BY (ingest_date)), one folder per topic`);
}

function sameSums(a: Record<string, number>, b: Record<string, number>): string | null {
  for (const [k, v] of Object.entries(a)) {
    const w = b[k] ?? Number.NaN;
    if (!(Math.abs(v - w) <= 1e-6 * Math.max(1, Math.abs(v)))) return `${k}: ${v} vs ${w}`;
  }
  return null;
}

function sameCounts(a: Record<string, number>, b: Record<string, number>): string | null {
  for (const [k, v] of Object.entries(a)) if (b[k] !== v) return `${k}: ${v} vs ${b[k]}`;
  return null;
}

async function gold(ctx: SuiteContext, dir: string, events: number, rows: ResultRow[], ratios: Ratio[], notes: string[]): Promise<void> {
  const l = await openBenchLake(path.join(dir, 'gold'), ctx.logger);
  try {
    ctx.print(`  gold: generating one silver day of ${events} events into Delta...`);
    let t0 = performance.now();
    const size = await writeSilverDay(l.conn, l.lake, DAY, events);
    notes.push(`gold data: silver.trips ${size.trips} rows, silver.payments ${size.payments}, silver.events ${size.events} (every event of the day; ${Math.floor(size.events / 8)} DriverRated), generated by DuckDB SQL (range/hash) into Delta by our writer in ${sig((performance.now() - t0) / 1000)} s; only the columns the gold models read`);
    t0 = performance.now();
    const files = await exportSilver(l, path.join(dir, 'parquet'));
    notes.push(`peers read the silver snapshot exported once to three plain Parquet files (${sig((performance.now() - t0) / 1000)} s, not timed)`);
    const sql = await goldSql(files, DAY);
    const env = await pythonEnv();
    if (!env.python) notes.push(`pandas peer not measured: scripts/python-env.sh failed (${env.problem})`);
    const ours: number[] = [];
    const duck: number[] = [];
    const pandas: number[] = [];
    let pandasRun: PandasRun | null = null;
    let oursRows: Record<string, number> = {};
    let duckRows: Record<string, number> = {};
    let duckSums: Record<string, number> = {};
    for (let r = 0; r < ROUNDS; r++) {
      ctx.print(`  gold round ${r + 1}: our runner on Delta...`);
      const a = await goldOurs(l, DAY);
      ours.push(a.seconds);
      oursRows = a.rows;
      ctx.print(`  gold round ${r + 1}: the same SQL on plain DuckDB...`);
      const b = await goldDuckDb(sql);
      duck.push(b.seconds);
      duckRows = b.rows;
      duckSums = b.sums;
      if (env.python) {
        ctx.print(`  gold round ${r + 1}: pandas/pyarrow...`);
        pandasRun = await goldPandas(env.python, files, DAY);
        pandas.push(pandasRun.seconds);
      }
    }
    const mismatch = sameCounts(duckRows, oursRows);
    if (mismatch) throw new Error(`gold rows differ between our runner and plain DuckDB: ${mismatch}`);
    const pMismatch = pandasRun ? (sameCounts(duckRows, pandasRun.rows) ?? sameSums(duckSums, pandasRun.sums)) : null;
    const label = `${events >= 1e6 ? `${events / 1e6}M` : `${events / 1e3}k`} events`;
    rows.push(row(`gold day, ${label}: our runner (7 models + tests, Delta commits)`, events, ours, `rows per model = plain DuckDB's`));
    rows.push(row(`gold day, ${label}: same SQL, plain DuckDB on Parquet`, events, duck, 'results materialised in memory'));
    if (pandasRun) rows.push(row(`gold day, ${label}: pandas ${'/'} pyarrow on Parquet`, events, pandas, pMismatch ? `differs from DuckDB: ${pMismatch}` : `rows and check sums per model = DuckDB's; last run ${sig(pandasRun.processSeconds)} s as a process, start-up included`));
    ratios.push({ name: `gold day ${label}: our runner / plain DuckDB (time)`, value: sig(ratio(median(ours), median(duck))), meaning: 'what the model runner, the data tests and the Delta commits add to the bare SQL (1.0 = nothing)' });
    if (pandasRun) ratios.push({ name: `gold day ${label}: pandas / DuckDB, same gold logic (time)`, value: sig(ratio(median(pandas), median(duck))), meaning: 'how many times longer pandas/pyarrow takes than DuckDB for the same seven models on the same Parquet (>1: DuckDB faster)' });
    if (pandasRun) ratios.push({ name: `gold day ${label}: pandas / our runner (time)`, value: sig(ratio(median(pandas), median(ours))), meaning: 'pandas against the whole of our gold task (>1: ours faster even with tests and commits)' });
    notes.push(`ours: buildModels(select gold) on LakeModelBackend (7 models, each an INSERT OVERWRITE of the day as one Delta commit, then the schema.yml tests: unique, not_null, accepted_values, expressions); round 2 overwrites round 1's partition`);
    notes.push('DuckDB peer: the same lake/models/gold/*.sql, ref() -> read_parquet(file), var(logical_date) -> DATE literal, CREATE TABLE AS in a fresh in-memory DuckDB (both DuckDBs use every core); pandas peer: bench/suites/lake-gold-pandas.py, timed inside Python from the first read to the last result (start-up and imports excluded, shown as "process"), DECIMAL read as float64, DriverRated JSON parsed with json.loads');
  } finally {
    await l.close();
  }
}

function lakeSuite(name: string, title: string, o: { bronze: boolean; events: number }): Suite {
  return {
    name,
    title,
    description: `${o.bronze ? 'bronze events/s (ours vs a DuckDB COPY to Parquet) and ' : ''}one gold day rebuilt at ${o.events / 1e6}M events (ours on Delta vs the same SQL on plain DuckDB vs pandas/pyarrow, same Parquet)`,
    async run(ctx: SuiteContext): Promise<SuiteResult> {
      const dir = await mkdtemp(path.join(os.tmpdir(), `gofuture-bench-${name}-`));
      const rows: ResultRow[] = [];
      const ratios: Ratio[] = [];
      const notes: string[] = [];
      try {
        if (o.bronze) await bronze(ctx, dir, rows, ratios, notes);
        const events = ctx.quick ? 100_000 : Number(process.env.BENCH_LAKE_EVENTS ?? o.events);
        await gold(ctx, dir, events, rows, ratios, notes);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      const result = { columns: COLUMNS, rows, ratios, notes };
      ctx.print(textReport(result));
      return result;
    },
  };
}

export const lakeBenchSuite: Suite = lakeSuite('lake', 'lake: bronze events/s, one gold day at 1M events, DuckDB vs pandas', { bronze: true, events: 1_000_000 });
export const lake10mBenchSuite: Suite = lakeSuite('lake-10m', 'lake: one gold day at 10M events, DuckDB vs pandas', { bronze: false, events: 10_000_000 });
