/**
 * The timed runs of the `lake` suites, each alone: our bronze job vs a plain DuckDB COPY to Parquet,
 * and one gold day by our model runner on Delta vs the same gold SQL on plain DuckDB vs pandas.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { ProducerRecord } from '../../connectors/contracts/event-log.ts';
import { createMemoryEventLog } from '../../connectors/embedded/memory-event-log.ts';
import { createLocalLakeStore } from '../../connectors/lake/index.ts';
import { startBronzeJob } from '../../jobs/lake/bronze-job.ts';
import { bronzeTableFor } from '../../jobs/lake/bronze-tables.ts';
import { commitQuery, openLake, resolveRelation, type LakeTables } from '../../jobs/lake/delta/index.ts';
import { LakeModelBackend } from '../../jobs/models-sql/lake-backend.ts';
import { loadProject } from '../../jobs/models-sql/project.ts';
import { buildModels } from '../../jobs/models-sql/runner.ts';
import { ALL_TOPICS } from '../../schema/events/topics.ts';
import { waitUntil } from '../support/stats.ts';

const ROOT = path.join(import.meta.dirname, '..', '..');
const GOLD_DIR = path.join(ROOT, 'lake', 'models', 'gold');

export interface Lake {
  readonly lake: LakeTables;
  readonly conn: DuckDBConnection;
  close(): Promise<void>;
}

export async function openBenchLake(dir: string, logger: Logger): Promise<Lake> {
  const store = createLocalLakeStore({ root: path.join(dir, 'lake') }, { logger, metrics: new Registry() });
  await store.start();
  const lake = openLake(store, { scratchDir: path.join(dir, 'scratch'), logger });
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  await conn.run("SET TimeZone = 'UTC'");
  return {
    lake, conn,
    close: async () => {
      conn.closeSync();
      db.closeSync();
      await lake.close();
      await store.close();
    },
  };
}

/** Our bronze job draining `records` (already in the in-process event log) into Delta: seconds from start to the last commit. */
export async function bronzeOurs(records: ReadonlyMap<string, readonly ProducerRecord[]>, dir: string, logger: Logger): Promise<{ seconds: number; rows: number }> {
  const n = [...records.values()].reduce((s, r) => s + r.length, 0);
  const ctx = { logger, metrics: new Registry() };
  const log = createMemoryEventLog({ maxRecordsPerPartition: Math.max(100, n) }, ctx);
  await log.start();
  await log.ensureTopics(ALL_TOPICS.filter((t) => records.has(t.name)));
  for (const [topic, rs] of records) for (let i = 0; i < rs.length; i += 5000) await log.publish(topic, rs.slice(i, i + 5000));
  const l = await openBenchLake(dir, logger);
  try {
    const t0 = performance.now();
    const job = await startBronzeJob({ log, lake: l.lake, logger, metrics: ctx.metrics, topics: [...records.keys()], flushMs: 500, maxRows: 50_000, maxBatchSize: 5000 });
    await waitUntil('the bronze job to read every record', 600_000, () => job.stats.processed >= n, 20);
    await job.flush();
    const seconds = (performance.now() - t0) / 1000;
    await job.stop();
    let rows = 0;
    for (const topic of records.keys()) rows += (await l.lake.table(bronzeTableFor(topic)).snapshot()).numRecords;
    return { seconds, rows };
  } finally {
    await l.close();
    await log.close();
  }
}

/** The peer: the same records as bronze rows, written as NDJSON and COPYed to Parquet by a plain DuckDB (partitioned by ingest date, a folder per topic). */
export async function bronzePeer(records: ReadonlyMap<string, readonly ProducerRecord[]>, dir: string): Promise<{ seconds: number; rows: number }> {
  await mkdir(dir, { recursive: true });
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const t0 = performance.now();
    let rows = 0;
    for (const [topic, rs] of records) {
      const now = Date.now();
      const lines = rs.map((r, i) => JSON.stringify({ topic, partition: 0, offset: i, key: r.key, value: r.value, headers: JSON.stringify(r.headers ?? {}), record_timestamp: new Date(r.timestamp ?? now).toISOString(), ingested_at: new Date(now).toISOString(), ingest_date: new Date(now).toISOString().slice(0, 10) }));
      const file = path.join(dir, `${topic}.ndjson`);
      await writeFile(file, lines.join('\n') + '\n');
      const out = path.join(dir, topic);
      const reader = await conn.runAndReadAll(`COPY (SELECT * FROM read_json('${file}', format = 'newline_delimited', columns = {'topic': 'VARCHAR', 'partition': 'INTEGER', 'offset': 'BIGINT', 'key': 'VARCHAR', 'value': 'VARCHAR', 'headers': 'VARCHAR', 'record_timestamp': 'TIMESTAMPTZ', 'ingested_at': 'TIMESTAMPTZ', 'ingest_date': 'DATE'})) TO '${out}' (FORMAT PARQUET, PARTITION_BY (ingest_date), OVERWRITE_OR_IGNORE)`);
      rows += Number(reader.getRows()[0]?.[0] ?? 0);
      await rm(file);
    }
    return { seconds: (performance.now() - t0) / 1000, rows };
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

/** One gold day by our runner on the Delta tables (the 7 models, their tests, one Delta commit each). */
export async function goldOurs(l: Lake, day: string): Promise<{ seconds: number; rows: Record<string, number> }> {
  const project = await loadProject(path.join(ROOT, 'lake', 'models'));
  const backend = new LakeModelBackend({ lake: l.lake, api: { resolveRelation, commitQuery }, conn: l.conn });
  const t0 = performance.now();
  const results = await buildModels({ project, backend, logicalDate: day, select: ['gold'] });
  const seconds = (performance.now() - t0) / 1000;
  const bad = results.find((r) => r.status !== 'built' || r.tests.some((t) => t.status === 'error'));
  if (bad) throw new Error(`gold ${bad.model}: ${bad.status} ${bad.error ?? JSON.stringify(bad.tests.filter((t) => t.status !== 'pass'))}`);
  return { seconds, rows: Object.fromEntries(results.map((r) => [r.model.replace(/^gold\./, ''), r.rows])) };
}

/** The silver tables as plain Parquet files (one each), for the peers. */
export async function exportSilver(l: Lake, dir: string): Promise<Record<'trips' | 'payments' | 'events', string>> {
  await mkdir(dir, { recursive: true });
  const out = { trips: '', payments: '', events: '' };
  for (const t of ['trips', 'payments', 'events'] as const) {
    const rel = await resolveRelation(l.lake, `silver.${t}`);
    out[t] = path.join(dir, `silver_${t}.parquet`);
    await l.conn.run(`COPY (SELECT * FROM ${rel.sql}) TO '${out[t]}' (FORMAT PARQUET)`);
  }
  return out;
}

/** The gold SQL files with ref() -> read_parquet of the exported files and var('logical_date') -> the date. */
export async function goldSql(files: Record<'trips' | 'payments' | 'events', string>, day: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const f of (await readdir(GOLD_DIR)).filter((x) => x.endsWith('.sql')).sort()) {
    const text = await readFile(path.join(GOLD_DIR, f), 'utf8');
    const sql = text
      .replace(/\{\{\s*ref\('silver\.(trips|payments|events)'\)\s*\}\}/g, (_, t: 'trips' | 'payments' | 'events') => `read_parquet('${files[t]}')`)
      .replace(/\{\{\s*var\('logical_date'\)\s*\}\}/g, `DATE '${day}'`);
    if (sql.includes('{{')) throw new Error(`gold model ${f} uses a template the peer does not render`);
    out.set(f.replace(/\.sql$/, ''), sql);
  }
  return out;
}

/** Per model, the column whose sum both peers report (a cheap check that they computed the same thing). */
export const CHECK_COLUMNS: Readonly<Record<string, string>> = {
  trips_region_hourly: 'trips', revenue_daily: 'revenue', revenue_by_payment_method: 'revenue', driver_daily_stats: 'ratings',
  fraud_rate_region_daily: 'fraud_payments', payment_windows_10m: 'distinct_users', platform_hourly: 'distinct_users',
};

/** The peer: the same gold SQL on a plain DuckDB over the same Parquet, each result materialised in memory. */
export async function goldDuckDb(sql: ReadonlyMap<string, string>): Promise<{ seconds: number; rows: Record<string, number>; sums: Record<string, number> }> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const rows: Record<string, number> = {};
    const t0 = performance.now();
    for (const [model, q] of sql) {
      await conn.run(`CREATE OR REPLACE TABLE "${model}" AS ${q}`);
      rows[model] = Number((await conn.runAndReadAll(`SELECT count(*) FROM "${model}"`)).getRows()[0]?.[0] ?? 0);
    }
    const seconds = (performance.now() - t0) / 1000;
    const sums: Record<string, number> = {};
    for (const [model, col] of Object.entries(CHECK_COLUMNS)) sums[model] = Number((await conn.runAndReadAll(`SELECT CAST(sum("${col}") AS DOUBLE) FROM "${model}"`)).getRows()[0]?.[0] ?? 0);
    return { seconds, rows, sums };
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

export interface PandasRun {
  readonly seconds: number;
  readonly processSeconds: number;
  readonly rows: Record<string, number>;
  readonly sums: Record<string, number>;
}

/** The peer: the same seven models in pandas/pyarrow (lake-gold-pandas.py) on the same Parquet. */
export async function goldPandas(python: string, files: Record<'trips' | 'payments' | 'events', string>, day: string): Promise<PandasRun> {
  const t0 = performance.now();
  const { stdout } = await promisify(execFile)(python, [path.join(import.meta.dirname, 'lake-gold-pandas.py'), day, files.trips, files.payments, files.events], { maxBuffer: 16 * 1024 * 1024 });
  const r = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Omit<PandasRun, 'processSeconds'>;
  return { ...r, processSeconds: (performance.now() - t0) / 1000 };
}

/** The python of scripts/python-env.sh (pandas, pyarrow), or null with the reason. */
export async function pythonEnv(): Promise<{ python: string | null; problem: string | null }> {
  try {
    const { stdout } = await promisify(execFile)('bash', [path.join(ROOT, 'scripts', 'python-env.sh')], { timeout: 900_000 });
    return { python: stdout.trim().split('\n').at(-1) ?? null, problem: null };
  } catch (e) {
    return { python: null, problem: e instanceof Error ? e.message.split('\n')[0] ?? String(e) : String(e) };
  }
}
