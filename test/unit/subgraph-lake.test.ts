/**
 * The lake subgraph over a real pipeline (local task queue, SQL models on DuckDB tables over a
 * simulated bronze, DuckDB warehouse, in-process pub-sub): runPipeline, pipelineRuns, lakeTables,
 * lakeTable, lineage, qualityRuns, coded errors, and the alerts subscription over graphql-ws.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { createClient, type Client } from 'graphql-ws';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import WebSocket from 'ws';
import { lakeSubgraphApi } from '../../bin/pipeline.ts';
import { createDuckDbWarehouse } from '../../connectors/embedded/duckdb-warehouse.ts';
import { createMemoryPubSub } from '../../connectors/embedded/memory-pub-sub.ts';
import { LocalTaskQueue } from '../../connectors/queue/index.ts';
import { DuckDbModelBackend } from '../../jobs/models-sql/duckdb-backend.ts';
import { createPipeline, type Pipeline } from '../../jobs/orchestrator/index.ts';
import type { SubgraphServer } from '../../subgraphs/common/index.ts';
import { startLakeSubgraph } from '../../subgraphs/lake/index.ts';
import { loadBronze, simulatedBronze } from '../support/pipeline/bronze-fixture.ts';
import { gql, gqlData } from './subgraph-fixtures.ts';

const logger = pino({ level: 'silent' });
const DAY = '2026-03-07';

void describe('lake subgraph', () => {
  let dir: string;
  let conn: DuckDBConnection;
  let pipeline: Pipeline;
  let server: SubgraphServer;
  let client: Client;
  const closers: (() => Promise<void>)[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gofuture-lake-subgraph-'));
    const db = await DuckDBInstance.create(':memory:');
    conn = await db.connect();
    await loadBronze(conn, dir, await simulatedBronze({ startTime: Date.parse(`${DAY}T10:00:00Z`), minutes: 60 }));
    const ctx = { logger, metrics: new Registry() };
    const queue = new LocalTaskQueue({ maxHistory: 5000 }, ctx);
    const warehouse = createDuckDbWarehouse({ path: ':memory:' }, ctx);
    const pubsub = createMemoryPubSub({}, ctx);
    for (const c of [queue, warehouse, pubsub]) {
      await c.start();
      closers.push(() => c.close());
    }
    pipeline = await createPipeline({ modelsDir: join(import.meta.dirname, '..', '..', 'lake', 'models') }, { queue, backend: new DuckDbModelBackend(conn), warehouse, pubsub, logger, metrics: ctx.metrics });
    await pipeline.startWorker();
    server = await startLakeSubgraph({ lake: lakeSubgraphApi(pipeline), pubsub, logger, port: 0 });
    client = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
  });

  after(async () => {
    await client.dispose();
    await server.close();
    await pipeline.stop();
    for (const c of closers.reverse()) await c();
    conn.closeSync();
    await rm(dir, { recursive: true, force: true });
  });

  void it('runPipeline starts a run; pipelineRuns lists its tasks once it is done', async () => {
    const r = await gqlData<{ runPipeline: { dag: string; logicalDate: string; state: string } }>(server.url, `mutation { runPipeline(dag: "daily_etl", logicalDate: "${DAY}") { dag logicalDate state } }`);
    assert.equal(r.runPipeline.dag, 'daily_etl');
    assert.ok(['QUEUED', 'RUNNING'].includes(r.runPipeline.state));
    const done = await pipeline.orchestrator.waitFor('daily_etl', DAY);
    assert.equal(done.state, 'succeeded');
    const runs = await gqlData<{ pipelineRuns: { task: string; state: string; attempts: number; finishedAt: string | null }[] }>(server.url, `{ pipelineRuns(dag: "daily_etl", logicalDate: "${DAY}") { task state attempts finishedAt } }`);
    assert.equal(runs.pipelineRuns.length, 7);
    assert.ok(runs.pipelineRuns.every((t) => t.state === 'SUCCEEDED' && t.attempts === 1 && t.finishedAt !== null));
    const dags = await gqlData<{ pipelineDags: { id: string; tasks: { id: string; placeholder: boolean }[] }[] }>(server.url, '{ pipelineDags { id tasks { id placeholder } } }');
    assert.ok(dags.pipelineDags.find((d) => d.id === 'daily_etl')?.tasks.some((t) => t.id === 'features' && t.placeholder));
  });

  void it('lakeTables, lakeTable, lineage and qualityRuns read the tables the run built', async () => {
    const t = await gqlData<{ lakeTables: { name: string; layer: string; rows: number }[] }>(server.url, '{ lakeTables { name layer rows } }');
    const gold = t.lakeTables.find((x) => x.name === 'gold.revenue_daily');
    assert.equal(gold?.layer, 'gold');
    assert.ok((gold?.rows ?? 0) > 0);
    const one = await gqlData<{ lakeTable: { name: string; rows: number; history: unknown[] } | null; missing: unknown }>(server.url, '{ lakeTable(name: "silver.trips") { name rows history { version } } missing: lakeTable(name: "gold.nope") { name } }');
    assert.ok((one.lakeTable?.rows ?? 0) > 0);
    assert.equal(one.missing, null);
    const l = await gqlData<{ lineage: { upstream: { name: string }[]; downstream: { name: string }[] } }>(server.url, '{ lineage(table: "gold.revenue_daily") { upstream { name } downstream { name } } }');
    assert.ok(l.lineage.upstream.some((n) => n.name === 'silver.trips'));
    assert.deepEqual(l.lineage.downstream.map((n) => n.name), ['warehouse.mart_revenue_daily']);
    const q = await gqlData<{ qualityRuns: { model: string; test: string; status: string; severity: string }[] }>(server.url, '{ qualityRuns(table: "silver.trips", last: 3) { model test status severity } }');
    assert.equal(q.qualityRuns.length, 3);
    assert.ok(q.qualityRuns.every((r) => r.model === 'silver.trips' && ['ERROR', 'WARN'].includes(r.severity)));
  });

  void it('names an unknown DAG and a bad date with their codes', async () => {
    const a = await gql(server.url, 'mutation { runPipeline(dag: "nope") { state } }');
    assert.equal(a.body.errors?.[0]?.extensions?.code, 'PIPELINE_DAG_UNKNOWN');
    const b = await gql(server.url, '{ pipelineRuns(logicalDate: "yesterday") { task } }');
    assert.equal(b.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  });

  void it('delivers raised alerts to the alerts subscription, filtered by severity', async () => {
    const got: { message: string; severity: string }[] = [];
    const it = client.iterate<{ alerts: { message: string; severity: string } }>({ query: 'subscription { alerts(severity: ERROR) { message severity kind } }' });
    const first = (async () => {
      for await (const m of it) {
        if (m.data) got.push(m.data.alerts);
        if (got.length >= 1) break;
      }
    })();
    // the subscription is active once the server has it; raise until one arrives (a raise before it is missed)
    for (let i = 0; i < 50 && got.length === 0; i++) {
      await pipeline.alerts.raise({ severity: 'warn', kind: 'quality', dag: null, task: null, source: null, logicalDate: null, message: 'only a warning' });
      await pipeline.alerts.raise({ severity: 'error', kind: 'deadline', dag: 'daily_etl', task: null, source: null, logicalDate: DAY, message: `deadline ${i}` });
      await new Promise((r) => setTimeout(r, 50));
    }
    await first;
    assert.equal(got[0]?.severity, 'ERROR');
    assert.match(got[0]?.message ?? '', /^deadline/);
  });
});
