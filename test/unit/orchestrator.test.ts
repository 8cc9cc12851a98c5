/**
 * The orchestrator end to end in process: daily_etl over a simulated bronze (plain DuckDB tables),
 * the local task queue, a DuckDB warehouse and the in-process event log / pub-sub for alerts.
 * Idempotent reruns, a quality gate that stops everything downstream (nothing published, alerts on
 * the topic, the metric and the live channel), retries, resumable backfill, cron + deadline alerts.
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createDuckDbWarehouse } from '../../connectors/embedded/duckdb-warehouse.ts';
import { createMemoryEventLog } from '../../connectors/embedded/memory-event-log.ts';
import { createMemoryPubSub } from '../../connectors/embedded/memory-pub-sub.ts';
import { LocalTaskQueue } from '../../connectors/queue/index.ts';
import type { Warehouse } from '../../connectors/contracts/warehouse.ts';
import type { EventLog } from '../../connectors/contracts/event-log.ts';
import type { PubSub } from '../../connectors/contracts/pub-sub.ts';
import { DuckDbModelBackend } from '../../jobs/models-sql/duckdb-backend.ts';
import { backfill, createPipeline, type Pipeline } from '../../jobs/orchestrator/index.ts';
import { dateIn, noopTask, task, type DagSpec } from '../../jobs/orchestrator/dag.ts';
import { ALERTS_CHANNEL, ALERTS_TOPIC, type AlertMessage } from '../../schema/lake/alerts.ts';
import { badRecords, loadBronze, simulatedBronze } from '../support/pipeline/bronze-fixture.ts';
import { waitFor } from '../conformance/helpers.ts';

const MODELS = join(import.meta.dirname, '..', '..', 'lake', 'models');
const DAY = '2026-03-07';
const logger = pino({ level: 'silent' });

interface World {
  pipeline: Pipeline;
  warehouse: Warehouse;
  log: EventLog;
  pubsub: PubSub;
  metrics: Registry;
  close(): Promise<void>;
}

let dir: string;
let db: DuckDBInstance;
let conn: DuckDBConnection;
let backend: DuckDbModelBackend;

async function world(o: { modelsDir?: string; extraDags?: DagSpec[] } = {}): Promise<World> {
  const metrics = new Registry();
  const ctx = { logger, metrics };
  const queue = new LocalTaskQueue({ maxHistory: 5000 }, ctx);
  const warehouse = createDuckDbWarehouse({ path: ':memory:' }, ctx);
  const log = createMemoryEventLog({}, ctx);
  const pubsub = createMemoryPubSub({}, ctx);
  for (const c of [queue, warehouse, log, pubsub]) await c.start();
  const pipeline = await createPipeline({ modelsDir: o.modelsDir ?? MODELS, workerConcurrency: 2 }, { queue, backend, warehouse, eventLog: log, pubsub, logger, metrics }, o.extraDags ?? []);
  await pipeline.startWorker();
  return {
    pipeline, warehouse, log, pubsub, metrics,
    close: async () => {
      await pipeline.stop();
      for (const c of [queue, warehouse, log, pubsub]) await c.close();
    },
  };
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gofuture-orchestrator-'));
  db = await DuckDBInstance.create(':memory:');
  conn = await db.connect();
  backend = new DuckDbModelBackend(conn);
  const bronze = await simulatedBronze({ startTime: Date.parse('2026-03-06T23:00:00Z'), minutes: 150 });
  const dup = bronze.find((r) => r.ingest_date === DAY && r.topic === 'booking-events');
  assert.ok(dup);
  bronze.push(...badRecords(DAY, dup).rows);
  await loadBronze(conn, dir, bronze);
});

after(async () => {
  conn.closeSync();
  await rm(dir, { recursive: true, force: true });
});

void describe('daily_etl', () => {
  let w: World;
  before(async () => {
    w = await world();
  });
  after(() => w.close());

  void it('runs validate -> compaction -> silver -> gold -> tests -> publish -> features and publishes the marts', async () => {
    const o = w.pipeline.orchestrator;
    await o.trigger('daily_etl', DAY);
    const s = await o.waitFor('daily_etl', DAY);
    assert.deepEqual(s.tasks.map((t) => `${t.task}:${t.state}`), ['validate', 'bronze_compaction', 'silver', 'gold', 'tests', 'publish_marts', 'features'].map((t) => `${t}:succeeded`));
    assert.equal(s.state, 'succeeded');
    const gold = await backend.query(`SELECT sum(revenue) AS r, count(*) AS n FROM "gold.revenue_daily" WHERE metric_date = DATE '${DAY}'`);
    const mart = await w.warehouse.query(`SELECT sum(revenue) AS r, count(*) AS n FROM mart_revenue_daily WHERE metric_date = '${DAY}'`);
    assert.equal(mart[0]?.n, gold[0]?.n);
    assert.ok(Math.abs(Number(mart[0]?.r) - Number(gold[0]?.r)) < 1e-6);
    assert.ok(Number(mart[0]?.n) > 0);
  });

  void it('a second trigger of the same date runs nothing again; history is queryable', async () => {
    const o = w.pipeline.orchestrator;
    const before = await o.queue.runs({ dag: 'daily_etl', logicalDate: DAY });
    await o.trigger('daily_etl', DAY);
    const again = await o.waitFor('daily_etl', DAY);
    assert.equal(again.state, 'succeeded');
    const after = await o.queue.runs({ dag: 'daily_etl', logicalDate: DAY });
    assert.deepEqual(after.map((r) => [r.task, r.attempts, r.finishedAt]), before.map((r) => [r.task, r.attempts, r.finishedAt]));
    assert.equal((await o.queue.runs({ dag: 'daily_etl', last: 3 })).length, 3);
    const lineage = w.pipeline.lineage();
    assert.ok(lineage.edges.some((e) => e.from === 'gold.revenue_daily' && e.to === 'warehouse.mart_revenue_daily'));
    const q = await w.pipeline.qualityRuns('silver.trips', 50);
    assert.ok(q.length > 0 && q.every((r) => r.model === 'silver.trips'));
  });
});

void describe('a quality gate of severity error', () => {
  void it('stops every downstream task, publishes nothing, and raises the alert on the topic, the metric and the channel', async () => {
    const copy = await mkdtemp(join(dir, 'models-'));
    await cp(MODELS, copy, { recursive: true });
    const f = join(copy, 'silver', 'schema.yml');
    await writeFile(f, (await readFile(f, 'utf8')).replace('      - row_count: { min: 1, severity: warn }', "      - row_count: { min: 1, severity: warn }\n      - expression: { name: no_cancellations, expression: \"status <> 'cancelled'\" }"), 'utf8');
    const w = await world({ modelsDir: copy });
    try {
      const live: AlertMessage[] = [];
      const unsub = await w.pubsub.subscribe(ALERTS_CHANNEL, (m) => void live.push(m as AlertMessage));
      const o = w.pipeline.orchestrator;
      await o.trigger('daily_etl', '2026-03-06');
      const s = await o.waitFor('daily_etl', '2026-03-06');
      const state = Object.fromEntries(s.tasks.map((t) => [t.task, t]));
      assert.equal(s.state, 'failed');
      assert.equal(state.silver?.state, 'failed');
      assert.equal(state.silver?.attempts, 1, 'a failed quality gate is not retried');
      for (const t of ['gold', 'tests', 'publish_marts', 'features']) assert.equal(state[t]?.state, 'skipped', t);
      await w.warehouse.ensureTables([]);
      const published = await w.warehouse.query("SELECT count(*) AS n FROM information_schema.tables WHERE table_name LIKE 'mart_%'");
      assert.equal(published[0]?.n, 0);
      const records = await w.log.read(ALERTS_TOPIC.name, 0, '0', 100);
      const alerts = records.map((r) => JSON.parse(r.value) as AlertMessage);
      assert.ok(alerts.some((a) => a.severity === 'error' && a.kind === 'quality' && a.source === 'silver.trips'));
      assert.ok(alerts.some((a) => a.severity === 'error' && a.kind === 'task' && a.task === 'silver'));
      await waitFor('the live alerts', () => live.some((a) => a.kind === 'task'));
      const metric = await w.metrics.getSingleMetricAsString('gofuture_pipeline_alerts_total');
      assert.match(metric, /severity="error",kind="quality"\} [1-9]/);
      await unsub();
    } finally {
      await w.close();
    }
  });
});

void describe('retries, backfill and schedules', () => {
  void it('retries a flaky task with backoff and goes on', async () => {
    let calls = 0;
    const dag: DagSpec = { id: 'flaky_dag', description: '', schedule: null, timezone: 'UTC', slaMs: null, maxActiveRuns: 1, tasks: [
      task('flaky', [], 'fails twice', async () => {
        calls++;
        if (calls < 3) throw new Error(`transient ${calls}`);
      }, { retries: 3, retryDelayMs: 5 }),
      noopTask('after', ['flaky'], 'placeholder'),
    ] };
    const w = await world({ extraDags: [dag] });
    try {
      await w.pipeline.orchestrator.trigger('flaky_dag', DAY);
      const s = await w.pipeline.orchestrator.waitFor('flaky_dag', DAY);
      assert.equal(s.state, 'succeeded');
      assert.equal(s.tasks.find((t) => t.task === 'flaky')?.attempts, 3);
    } finally {
      await w.close();
    }
  });

  void it('backfill is resumable: an interrupted range resumes, completed dates are skipped', async () => {
    const ran: string[] = [];
    const ac = new AbortController();
    const dag: DagSpec = { id: 'bf', description: '', schedule: null, timezone: 'UTC', slaMs: null, maxActiveRuns: 1, tasks: [
      task('work', [], 'records the date', async (ctx) => {
        ran.push(ctx.logicalDate);
        if (ctx.logicalDate === '2026-01-02') ac.abort(); // Ctrl-C while the second date runs
      }),
    ] };
    const w = await world({ extraDags: [dag] });
    try {
      const first = await backfill({ orchestrator: w.pipeline.orchestrator, dag: 'bf', from: '2026-01-01', to: '2026-01-04', signal: ac.signal });
      assert.equal(first.interrupted, true);
      const second = await backfill({ orchestrator: w.pipeline.orchestrator, dag: 'bf', from: '2026-01-01', to: '2026-01-04' });
      assert.equal(second.interrupted, false);
      assert.equal(second.dates[0]?.outcome, 'skipped');
      assert.ok(second.dates.slice(2).every((d) => d.outcome === 'succeeded'));
      assert.deepEqual([...ran].sort(), ['2026-01-01', '2026-01-02', '2026-01-03', '2026-01-04'], 'each date ran exactly once');
    } finally {
      await w.close();
    }
  });

  void it('a cron schedule triggers the run of the current date in its time zone; a missed deadline alerts', async () => {
    let release: () => void = () => undefined;
    const dag: DagSpec = { id: 'every_second', description: '', schedule: '* * * * * *', timezone: 'Asia/Novosibirsk', slaMs: 100, maxActiveRuns: 1, tasks: [
      task('slow', [], 'waits', () => new Promise<void>((r) => (release = r))),
    ] };
    const w = await world({ extraDags: [dag] });
    const scheduler = w.pipeline.startScheduler();
    try {
      assert.ok(scheduler.next().every_second);
      const date = dateIn('Asia/Novosibirsk');
      await waitFor('the scheduled run to start', async () => (await w.pipeline.orchestrator.queue.runs({ dag: 'every_second', logicalDate: date })).length > 0, { timeoutMs: 5000 });
      await waitFor('the deadline alert', async () => (await w.log.read(ALERTS_TOPIC.name, 0, '0', 100).catch(() => [])).some((r) => (JSON.parse(r.value) as AlertMessage).kind === 'deadline'), { timeoutMs: 5000 });
      release();
      const s = await w.pipeline.orchestrator.waitFor('every_second', date);
      assert.equal(s.state, 'succeeded');
    } finally {
      release();
      await w.close();
    }
  });
});
