/**
 * A failed `error` quality test in the running platform (embedded, in this process, on free ports:
 * gateway + the six subgraphs + the orchestrator job over the local lake): `runPipeline` through the
 * gateway starts daily_etl on a model project whose silver.trips has an error test that fails; the
 * alert arrives on the gateway's `alerts` subscription (graphql-ws), the same alert is on the event
 * log's `alerts` topic, `gofuture_pipeline_alerts_total` counts it on the gateway's /metrics,
 * `qualityRuns` shows the failed test, and every task downstream of silver is skipped (nothing published).
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { loadConfig } from '../../bin/config.ts';
import { startPlatform, type RunningPlatform } from '../../bin/platform.ts';
import { createLocalLakeStore } from '../../connectors/lake/index.ts';
import { openLake } from '../../jobs/lake/delta/index.ts';
import { MART_TABLES } from '../../schema/lake/gold-marts.ts';
import { ALERTS_CHANNEL, ALERTS_TOPIC, type AlertMessage } from '../../schema/lake/alerts.ts';
import { simulatedBronze } from '../support/pipeline/bronze-fixture.ts';
import { writeLakeBronze } from '../support/pipeline/lake-bronze.ts';
import { eventually, gql, subscribe, type Subscription } from './support.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DAY = '2026-03-07';

interface LiveAlert { id: string; severity: string; kind: string; dag: string | null; task: string | null; source: string | null; logicalDate: string | null; message: string }

void describe('an error quality test in the running platform', () => {
  let dir: string;
  let platform: RunningPlatform;
  let live: Subscription<LiveAlert>;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gofuture-e2e-alerts-'));
    const store = createLocalLakeStore({ root: path.join(dir, 'lake') }, { logger: pino({ level: 'silent' }), metrics: new Registry() });
    await store.start();
    const lake = openLake(store, { scratchDir: path.join(dir, 'seed-scratch') });
    await writeLakeBronze(lake, await simulatedBronze({ startTime: Date.parse(`${DAY}T10:00:00Z`), minutes: 60 }));
    await lake.close();
    await store.close();
    // the platform's model project with one more test on silver.trips, severity error (the default), that fails
    const models = path.join(dir, 'models');
    await cp(path.join(ROOT, 'lake', 'models'), models, { recursive: true });
    const schema = path.join(models, 'silver', 'schema.yml');
    const text = await readFile(schema, 'utf8');
    const broken = text.replace('      - row_count: { min: 1, severity: warn }', "      - row_count: { min: 1, severity: warn }\n      - expression: { name: no_cancellations, expression: \"status <> 'cancelled'\" }");
    assert.notEqual(broken, text);
    await writeFile(schema, broken, 'utf8');
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir: dir, logLevel: 'silent',
        gateway: { port: 0 },
        subgraphs: { trips: 0, payments: 0, features: 0, models: 0, metrics: 0, lake: 0 },
        connectors: { eventLog: { kind: 'memory', dir: path.join(dir, 'event-log') }, warehouse: { kind: 'duckdb', path: path.join(dir, 'warehouse.duckdb') } },
        jobs: ['orchestrator'],
        pipeline: { modelsDir: models, scheduler: false },
      },
    });
    platform = await startPlatform(config, pino({ level: 'silent' }), new Registry());
    live = subscribe<LiveAlert>(platform.gatewayUrl, 'subscription { alerts(severity: ERROR) { id severity kind dag task source logicalDate message } }', {}, (d) => d.alerts as LiveAlert);
    // the subscription is live end to end once a probe put on the alerts channel comes back through the gateway
    await eventually('the alerts subscription to go live', 30_000, async () => {
      const probe: AlertMessage = { id: `probe-${Date.now()}`, severity: 'error', kind: 'probe', dag: null, task: null, source: null, logicalDate: null, message: 'probe', raisedAt: Date.now() };
      await platform.connectors.pubSub.publish(ALERTS_CHANNEL, probe);
      return live.messages.some((m) => m.kind === 'probe') ? true : undefined;
    }, 300);
  });

  after(async () => {
    await live?.close();
    await platform?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  void it('raises the alert on the subscription, the alerts topic and /metrics; downstream stops; qualityRuns shows it', { timeout: 300_000 }, async () => {
    const started = await gql<{ runPipeline: { dag: string; logicalDate: string } }>(platform.gatewayUrl, `mutation { runPipeline(dag: "daily_etl", logicalDate: "${DAY}") { dag logicalDate } }`);
    assert.equal(started.body.errors, undefined, JSON.stringify(started.body.errors));
    assert.deepEqual(started.body.data?.runPipeline, { dag: 'daily_etl', logicalDate: DAY });

    const quality = await eventually('the quality alert on the subscription', 240_000, () => live.messages.find((m) => m.kind === 'quality' && m.source === 'silver.trips'));
    assert.deepEqual([quality.severity, quality.dag, quality.task, quality.logicalDate], ['ERROR', 'daily_etl', 'silver', DAY]);
    assert.match(quality.message, /no_cancellations/);
    const taskAlert = await eventually('the task alert on the subscription', 60_000, () => live.messages.find((m) => m.kind === 'task' && m.task === 'silver'));
    assert.equal(taskAlert.severity, 'ERROR');
    assert.deepEqual(live.errors, []);

    // the same alerts, durable, on the event log's alerts topic
    const records = await platform.connectors.eventLog.read(ALERTS_TOPIC.name, 0, '0', 1000);
    const onTopic = records.map((r) => JSON.parse(r.value) as AlertMessage);
    assert.ok(onTopic.some((a) => a.id === quality.id && a.severity === 'error' && a.kind === 'quality'), 'the quality alert is on the alerts topic');
    assert.ok(onTopic.some((a) => a.id === taskAlert.id), 'the task alert is on the alerts topic');

    // counted on the platform's /metrics (served by the gateway's front door)
    const metrics = await (await fetch(new URL('/metrics', platform.gatewayUrl))).text();
    const counted = /gofuture_pipeline_alerts_total\{severity="error",kind="quality"\} (\d+)/.exec(metrics);
    assert.ok(counted && Number(counted[1]) >= 1, 'gofuture_pipeline_alerts_total{severity="error",kind="quality"} on /metrics');

    // the run: silver failed once (no retry for a quality gate), everything below it skipped
    const runs = await eventually('the run to settle', 60_000, async () => {
      const r = await gql<{ pipelineRuns: { task: string; state: string; attempts: number }[] }>(platform.gatewayUrl, `{ pipelineRuns(dag: "daily_etl", logicalDate: "${DAY}") { task state attempts } }`);
      const rows = r.body.data?.pipelineRuns ?? [];
      return rows.some((x) => x.task === 'features' && x.state === 'SKIPPED') ? rows : undefined;
    });
    const state = Object.fromEntries(runs.map((r) => [r.task, r]));
    assert.equal(state.silver?.state, 'FAILED');
    assert.equal(state.silver?.attempts, 1);
    for (const t of ['gold', 'tests', 'publish_marts', 'features']) assert.equal(state[t]?.state, 'SKIPPED', t);
    // the platform creates the (empty) mart tables at start; nothing may have been published into them
    for (const t of MART_TABLES) {
      const [row] = await platform.connectors.warehouse.query(`SELECT count(*) AS n FROM ${t.name}`);
      assert.equal(Number(row?.n), 0, `nothing downstream published (${t.name})`);
    }

    const q = await gql<{ qualityRuns: { test: string; severity: string; status: string; failures: number }[] }>(platform.gatewayUrl, '{ qualityRuns(table: "silver.trips", last: 100) { test severity status failures } }');
    assert.equal(q.body.errors, undefined, JSON.stringify(q.body.errors));
    const failed = q.body.data?.qualityRuns.find((r) => r.test === 'expression_no_cancellations');
    assert.ok(failed && failed.status === 'error' && failed.severity === 'ERROR' && failed.failures > 0, JSON.stringify(failed));
  });
});
