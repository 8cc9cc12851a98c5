/**
 * The SQL model runner on plain DuckDB tables over a bronze table made by the real simulator:
 * dependency order, silver validation/quarantine/dedup, order-independent entity folds, gold marts
 * checked against totals computed here from the raw events, INSERT OVERWRITE idempotency (content
 * hash), dbt-style tests with severities, failing rows stored, downstream stopped by an `error`.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { DuckDbModelBackend } from '../../jobs/models-sql/duckdb-backend.ts';
import { buildLineage, lineageOf } from '../../jobs/models-sql/lineage.ts';
import { dependencyOrder, loadProject, type ModelProject } from '../../jobs/models-sql/project.ts';
import { buildModels, failuresTable, QUALITY_RUNS_TABLE, type PipelineAlert } from '../../jobs/models-sql/runner.ts';
import { parseCalls } from '../../jobs/models-sql/template.ts';
import { parseDomainEvent } from '../../schema/events/domain-events.ts';
import { isPlatformError } from '../../schema/errors.ts';
import { badRecords, dateOf, loadBronze, simulatedBronze, type BronzeRow } from '../support/pipeline/bronze-fixture.ts';

const MODELS = join(import.meta.dirname, '..', '..', 'lake', 'models');
const DAY = '2026-03-07'; // a Saturday
const START = Date.parse('2026-03-06T23:00:00Z');

let dir: string;
let db: DuckDBInstance;
let conn: DuckDBConnection;
let backend: DuckDbModelBackend;
let project: ModelProject;
let bronze: BronzeRow[];
let expectedRules: string[];

async function contentHash(table: string, partitionCol: string): Promise<string> {
  const rows = await backend.query(`SELECT * FROM "${table}" WHERE CAST("${partitionCol}" AS VARCHAR) = '${DAY}' ORDER BY ALL`);
  return createHash('sha256').update(JSON.stringify(rows)).digest('hex');
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gofuture-sql-models-'));
  db = await DuckDBInstance.create(':memory:');
  conn = await db.connect();
  backend = new DuckDbModelBackend(conn);
  project = await loadProject(MODELS);
  bronze = await simulatedBronze({ startTime: START, minutes: 150 });
  const dup = bronze.find((r) => r.ingest_date === DAY && r.topic === 'booking-events');
  assert.ok(dup);
  const bad = badRecords(DAY, dup);
  expectedRules = bad.expectedRules;
  bronze.push(...bad.rows);
  await loadBronze(conn, dir, bronze);
});

after(async () => {
  conn.closeSync();
  await rm(dir, { recursive: true, force: true });
});

void describe('SQL model project', () => {
  void it('loads every model with its refs and sources, in dependency order', () => {
    const names = project.models.map((m) => m.name);
    for (const m of project.models) for (const r of m.refs) assert.ok(names.indexOf(r) < names.indexOf(m.name), `${r} before ${m.name}`);
    assert.ok(names.includes('silver.events') && names.includes('gold.revenue_daily'));
    assert.deepEqual(project.model('silver.events')?.sources, ['bronze.booking_events', 'bronze.driver_events', 'bronze.payment_events', 'bronze.pricing_events', 'bronze.booking_saga']);
    assert.ok(project.model('gold.revenue_daily')?.refs.includes('silver.trips'));
  });

  void it('rejects a dependency cycle and unknown template functions', () => {
    assert.throws(() => dependencyOrder([{ name: 'a', refs: ['b'] }, { name: 'b', refs: ['a'] }]), (e: unknown) => isPlatformError(e) && /cycle/.test(e.message));
    assert.throws(() => parseCalls("SELECT {{ env_var('X') }} FROM t WHERE {{ nope }}"), (e: unknown) => isPlatformError(e) && e.code === 'PIPELINE_MODEL_INVALID');
    assert.deepEqual(parseCalls("SELECT * FROM {{ ref('silver.trips') }}").map((c) => [c.fn, c.args]), [['ref', ['silver.trips']]]);
  });

  void it('lineage runs sources -> bronze -> silver -> gold -> warehouse from the refs', () => {
    const graph = buildLineage(project, [{ from: 'gold.revenue_daily', to: 'warehouse.mart_revenue_daily' }]);
    const view = lineageOf(graph, 'gold.revenue_daily');
    assert.ok(view);
    const up = view.upstream.map((n) => n.name);
    for (const t of ['silver.trips', 'silver.events', 'bronze.booking_events']) assert.ok(up.includes(t), t);
    assert.deepEqual(view.downstream.map((n) => n.name), ['warehouse.mart_revenue_daily']);
    const down = lineageOf(graph, 'silver.events')?.downstream.map((n) => n.name) ?? [];
    assert.ok(down.includes('gold.platform_hourly') && down.includes('warehouse.mart_revenue_daily'));
    assert.equal(lineageOf(graph, 'nope'), null);
  });
});

void describe('building silver and gold for one day', () => {
  const alerts: PipelineAlert[] = [];
  before(async () => {
    // the day before first: silver.trips of DAY reads no events of other days' partitions it needs
    const results = await buildModels({ project, backend, logicalDate: DAY, onAlert: async (a) => void alerts.push(a), now: () => Date.parse(`${DAY}T23:59:00Z`) });
    const failed = results.filter((r) => r.status !== 'built');
    assert.deepEqual(failed.map((r) => `${r.model}: ${r.error}`), []);
  });

  void it('silver keeps each valid event of the day once, quarantines the rest with rule and reason', async () => {
    const valid = new Set<string>();
    for (const r of bronze) {
      if (r.topic === 'dead-letter') continue;
      const p = parseDomainEvent(r.value);
      // the seed's rule is stricter than the event contract: a price or fare must be > 0, not >= 0
      const zero = p.ok && ((p.event.event_type === 'PriceCalculated' && p.event.data.final_price <= 0) || (p.event.event_type === 'BookingCompleted' && p.event.data.fare <= 0));
      if (p.ok && !zero && dateOf(p.event.occurred_at) === DAY) valid.add(p.event.event_id);
    }
    const [silver] = await backend.query(`SELECT count(*) AS n, count(DISTINCT event_id) AS ids FROM "silver.events" WHERE event_date = DATE '${DAY}'`);
    assert.equal(silver?.n, valid.size);
    assert.equal(silver?.ids, valid.size);
    const q = await backend.query(`SELECT rule, reason FROM "silver.quarantine" WHERE ingest_date = DATE '${DAY}' ORDER BY rule`);
    assert.deepEqual(q.map((r) => r.rule).sort(), [...expectedRules].sort());
    assert.ok(q.every((r) => typeof r.reason === 'string' && r.reason.length > 0));
    const [w] = await backend.query(`SELECT bool_and(is_weekend) AS weekend, count(*) FILTER (WHERE region_name IS NULL AND region_id IS NOT NULL) AS unnamed FROM "silver.events" WHERE event_date = DATE '${DAY}'`);
    assert.equal(w?.unnamed, 0);
    assert.equal(typeof w?.weekend, 'boolean');
  });

  void it('trips and payments are folded from their events: counts and revenue match the raw stream', async () => {
    const created = new Set<string>();
    const fares = new Map<string, number>();
    const lastEnd = new Map<string, { at: number; completed: boolean }>();
    for (const r of bronze) {
      const p = parseDomainEvent(r.value);
      if (!p.ok) continue;
      const e = p.event;
      if (e.event_type === 'BookingCreated' && dateOf(e.occurred_at) === DAY) created.add(e.data.booking_id);
      if (e.event_type === 'BookingCompleted' && dateOf(e.occurred_at) <= '2026-03-08') fares.set(e.data.booking_id, e.data.fare);
      // the later of completion and cancellation decides (a trip whose payment failed is cancelled after it completed)
      if ((e.event_type === 'BookingCompleted' || e.event_type === 'BookingCancelled') && dateOf(e.occurred_at) <= '2026-03-08' &&
        e.occurred_at >= (lastEnd.get(e.data.booking_id)?.at ?? -Infinity)) lastEnd.set(e.data.booking_id, { at: e.occurred_at, completed: e.event_type === 'BookingCompleted' });
    }
    for (const [id, end] of lastEnd) if (!end.completed) fares.delete(id);
    const [t] = await backend.query(`SELECT count(*) AS n FROM "silver.trips" WHERE trip_date = DATE '${DAY}'`);
    assert.equal(t?.n, created.size);
    const revenue = [...created].reduce((s, id) => s + (fares.get(id) ?? 0), 0);
    const [g] = await backend.query(`SELECT sum(revenue) AS revenue, sum(completed_trips) AS completed FROM "gold.revenue_daily" WHERE metric_date = DATE '${DAY}'`);
    assert.ok(Math.abs(Number(g?.revenue) - revenue) < 1e-3, `${g?.revenue} vs ${revenue}`);
    assert.equal(g?.completed, [...created].filter((id) => fares.has(id)).length);
    const [h] = await backend.query(`SELECT sum(trips) AS n FROM "gold.trips_region_hourly" WHERE metric_date = DATE '${DAY}'`);
    assert.equal(h?.n, created.size);
  });

  void it('records every test result in quality.runs and passes the shipped tests', async () => {
    const runs = await backend.query(`SELECT model, test, status FROM "${QUALITY_RUNS_TABLE}" WHERE logical_date = DATE '${DAY}'`);
    const tests = project.models.reduce((n, m) => n + m.tests.length, 0);
    assert.equal(runs.length, tests);
    assert.deepEqual(runs.filter((r) => r.status === 'error'), []);
  });

  void it('running the day again gives identical content (INSERT OVERWRITE per partition)', async () => {
    const marts = project.models.filter((m) => m.layer === 'gold');
    const before = await Promise.all(marts.map((m) => contentHash(m.name, m.partitionBy ?? '')));
    const again = await buildModels({ project, backend, logicalDate: DAY, select: ['silver', 'gold'], now: () => Date.parse(`${DAY}T23:59:00Z`) });
    assert.ok(again.every((r) => r.status === 'built'));
    const after = await Promise.all(marts.map((m) => contentHash(m.name, m.partitionBy ?? '')));
    assert.deepEqual(after, before);
    const [n] = await backend.query(`SELECT count(*) AS n FROM "silver.trips" WHERE trip_date = DATE '${DAY}'`);
    const [d] = await backend.query(`SELECT count(DISTINCT trip_id) AS n FROM "silver.trips" WHERE trip_date = DATE '${DAY}'`);
    assert.equal(n?.n, d?.n);
  });
});

void describe('a failing test of severity error', () => {
  void it('fails its model, skips everything downstream, stores the failing rows and alerts; warn only alerts', async () => {
    const copy = await mkdtemp(join(dir, 'models-'));
    await cp(MODELS, copy, { recursive: true });
    const schemaFile = join(copy, 'silver', 'schema.yml');
    const text = await readFile(schemaFile, 'utf8');
    const broken = text
      .replace("      - row_count: { min: 1, severity: warn }", "      - row_count: { min: 1, severity: warn }\n      - expression: { name: no_cancellations, expression: \"status <> 'cancelled'\" }")
      .replace("      - freshness: { column: occurred_at, max_age_hours: 24, severity: warn }", "      - freshness: { column: occurred_at, max_age_hours: 0.001, severity: warn }");
    assert.notEqual(broken, text);
    await writeFile(schemaFile, broken, 'utf8');
    const p = await loadProject(copy);
    const alerts: PipelineAlert[] = [];
    const db2 = await DuckDBInstance.create(':memory:');
    const c2 = await db2.connect();
    const b2 = new DuckDbModelBackend(c2);
    await loadBronze(c2, dir, bronze);
    const results = await buildModels({ project: p, backend: b2, logicalDate: DAY, onAlert: async (a) => void alerts.push(a), now: () => Date.parse(`${DAY}T23:59:00Z`) });
    const status = Object.fromEntries(results.map((r) => [r.model, r.status]));
    assert.equal(status['silver.trips'], 'failed');
    assert.equal(status['silver.events'], 'built'); // its freshness test is only a warning
    for (const m of ['gold.revenue_daily', 'gold.trips_region_hourly', 'gold.driver_daily_stats']) assert.equal(status[m], 'skipped', m);
    assert.equal(status['gold.revenue_by_payment_method'], 'built'); // not downstream of trips
    assert.ok(alerts.some((a) => a.severity === 'error' && a.source === 'silver.trips'));
    assert.ok(alerts.some((a) => a.severity === 'warn' && a.source === 'silver.events'));
    const stored = await b2.query(`SELECT test, row_json FROM "${failuresTable('silver.trips')}" WHERE logical_date = DATE '${DAY}' AND test = 'expression_no_cancellations'`);
    assert.ok(stored.length > 0);
    assert.ok(stored.every((r) => (JSON.parse(String(r.row_json)) as { status: string }).status === 'cancelled'));
    assert.equal(await b2.exists('gold.revenue_daily'), false);
    c2.closeSync();
  });
});
