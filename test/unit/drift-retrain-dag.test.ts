/**
 * The drift loop through the orchestrator: a champion with its reference profile (reference.json),
 * a current window in a lake table, the daily drift DAG on a quiet day (report, no alert, no
 * retraining) and on a day with injected drift (report with dataset drift, a `drift` alert on the
 * alerts topic, retrain -> validate -> gate -> register -> canary: a challenger in the memory
 * registry while the champion stays). A candidate failing its gate is not registered. The trainer
 * is a tiny fake (the real one comes from jobs/training).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { ModelVersionRegistry, NewModelVersion } from '../../connectors/contracts/model-version-registry.ts';
import { createMemoryEventLog } from '../../connectors/embedded/memory-event-log.ts';
import { createMemoryModelRegistry } from '../../connectors/embedded/memory-model-registry.ts';
import { LocalTaskQueue } from '../../connectors/queue/index.ts';
import { readDriftRuns } from '../../jobs/drift/drift-reports-table.ts';
import { lakeTableWindow } from '../../jobs/drift/lake-window.ts';
import { buildReferenceProfile, REFERENCE_ARTIFACT, withReferenceProfile } from '../../jobs/drift/reference-profile.ts';
import { appendRows } from '../../jobs/lake/delta/index.ts';
import { createAlertSink } from '../../jobs/orchestrator/alerts.ts';
import { Orchestrator } from '../../jobs/orchestrator/engine.ts';
import { driftDagId, mlDags, retrainDagId } from '../../jobs/orchestrator/ml-dags.ts';
import type { Dataset } from '../../jobs/training/datasets/dataset.ts';
import { createPrng } from '../../jobs/training/prng.ts';
import { ALERTS_TOPIC, type AlertMessage } from '../../schema/lake/alerts.ts';
import { lakeFixture, type LakeFixture } from '../support/lake/lake-fixture.ts';

const logger = pino({ level: 'silent' });
const MODEL = 'credit_default';
const FEATURES = ['limit_bal', 'age', 'pay_0', 'bill_amt1'];
const QUIET = '2026-04-01';
const DRIFTED = '2026-04-02';

/** Credit-like rows; `shift` moves every feature's mean by that many standard deviations. */
function rows(n: number, seed: number, shift = 0): number[][] {
  const rng = createPrng(seed);
  return Array.from({ length: n }, () => [
    rng.normal(160_000 + shift * 120_000, 120_000),
    Math.round(rng.normal(35 + shift * 9, 9)),
    Math.min(2, Math.max(-1, Math.round(rng.normal(shift * 1.2, 1.2)))),
    rng.normal(50_000 + shift * 70_000, 70_000),
  ]);
}

function dataset(n: number, seed: number, shift = 0): Dataset {
  const x = rows(n, seed, shift);
  return { featureNames: FEATURES, x, y: x.map((r) => ((r[2] ?? 0) > 0 ? 1 : 0)), validationFrom: Math.floor(n * 0.6), testFrom: Math.floor(n * 0.8) };
}

/** A fake trainer: a fixed "model" and the metrics it is told to report. */
function fakeTrainer(metrics: Record<string, number>): { calls: number; train(model: string, d: Dataset): NewModelVersion } {
  const t = {
    calls: 0,
    train(model: string, d: Dataset): NewModelVersion {
      t.calls++;
      return {
        name: model, flavor: 'gradient_boosting', featureNames: d.featureNames, outputNames: ['probability'], params: { trees: 10 },
        metrics, baselines: { baseline_f1: 0.3 }, lineage: { tables: [], featureViews: [], codeVersion: 'test', trainingRows: d.x.length },
        description: 'fake', artifacts: { 'model.onnx': new Uint8Array([8, 1, 2, 3]) },
      };
    },
  };
  return t;
}

const GOOD = { auc: 0.78, f1: 0.5, precision: 0.6, recall: 0.45 };

void describe('drift DAG -> alert + report -> retraining registers a challenger', () => {
  let f: LakeFixture;
  let registry: ModelVersionRegistry;
  const driftMetrics = new Registry();
  const driftGauge = async (name: string, labels: Record<string, string>): Promise<number | undefined> =>
    (await driftMetrics.getSingleMetric(name)?.get())?.values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value;
  let orchestrator: Orchestrator;
  let queue: LocalTaskQueue;
  const trainer = fakeTrainer(GOOD);
  const log = createMemoryEventLog({}, { logger, metrics: new Registry() });

  const readAlerts = async (): Promise<AlertMessage[]> => (await log.read(ALERTS_TOPIC.name, 0, '0', 1000)).map((r) => JSON.parse(String(r.value)) as AlertMessage);

  before(async () => {
    f = await lakeFixture();
    await log.start();
    await log.ensureTopics([ALERTS_TOPIC]);
    registry = createMemoryModelRegistry();
    const champion = trainer.train(MODEL, dataset(3000, 1));
    const v1 = await registry.createVersion(withReferenceProfile(champion, buildReferenceProfile(dataset(3000, 1), { model: MODEL })));
    await registry.setAlias(MODEL, 'champion', v1.version);
    trainer.calls = 0;
    const window = (day: string, shift: number, seed: number) => rows(800, seed, shift).map((r, i) => ({
      scored_at: `${day}T${String(i % 24).padStart(2, '0')}:00:00Z`, limit_bal: r[0] ?? null, age: r[1] ?? null, pay_0: r[2] ?? null, bill_amt1: r[3] ?? null,
    }));
    const columns = { scored_at: 'TIMESTAMPTZ', limit_bal: 'DOUBLE', age: 'DOUBLE', pay_0: 'DOUBLE', bill_amt1: 'DOUBLE' };
    await appendRows(f.lake, 'silver.credit_requests', [...window(QUIET, 0, 11), ...window(DRIFTED, 0.5, 12)], { columns });
    const alertSink = createAlertSink({ log, metrics: new Registry(), logger });
    queue = new LocalTaskQueue({ maxHistory: 5000 }, { logger, metrics: new Registry() });
    await queue.start();
    const dags = mlDags({
      registry, lake: f.lake, alerts: alertSink, logger, trainer, metrics: driftMetrics,
      data: { dataset: async (_m, _d) => dataset(3000, 2, 0.5) },
      windows: lakeTableWindow({ lake: f.lake, table: 'silver.credit_requests', timeColumn: 'scored_at', source: 'features' }),
    });
    orchestrator = new Orchestrator({ queue, dags, alerts: alertSink, logger });
    await orchestrator.startWorker(1);
  });

  after(async () => {
    await orchestrator.stop();
    await queue.close();
    await log.close();
    await f.close();
  });

  void it('registers the DAGs on the seeds\' cadence: a daily drift check per model, scheduled retraining except credit', () => {
    const ids = orchestrator.dags().map((d) => `${d.id} ${d.schedule ?? '-'}`);
    assert.deepEqual(ids.sort(), [
      'drift_check_credit_default 0 3 * * *', 'drift_check_demand_forecast 0 3 * * *', 'drift_check_fraud_score 0 3 * * *', 'drift_check_surge_multiplier 0 3 * * *',
      'retrain_demand_forecast 30 2 * * 1', 'retrain_fraud_score 15 * * * *', 'retrain_surge_multiplier 30 1 * * *',
    ]);
    assert.deepEqual(orchestrator.dag(driftDagId(MODEL)).tasks.map((t) => t.id), ['drift_check', 'retrain', 'validate', 'gate', 'register', 'canary']);
    assert.equal(orchestrator.dags().some((d) => d.id === retrainDagId(MODEL)), false, 'credit retrains on drift only');
  });

  void it('a quiet day: a report without drift, no alert, no retraining', async () => {
    await orchestrator.trigger(driftDagId(MODEL), QUIET);
    const s = await orchestrator.waitFor(driftDagId(MODEL), QUIET);
    assert.equal(s.state, 'succeeded', JSON.stringify(s.tasks.map((t) => [t.task, t.state, t.error])));
    const [run] = await readDriftRuns(f.lake, f.conn, MODEL, 5);
    assert.ok(run);
    assert.equal(run.logicalDate, QUIET);
    assert.equal(run.datasetDrift, false);
    assert.equal(run.columnCount, 4);
    assert.equal(run.modelVersion, '1');
    assert.equal(run.windowSource, 'features');
    assert.deepEqual(run.columns.map((c) => `${c.column}:${c.stattest}`), ['age:wasserstein', 'bill_amt1:wasserstein', 'limit_bal:wasserstein', 'pay_0:jensenshannon'], 'pay_0 has 4 values (<= 5): tested as categorical');
    assert.equal(trainer.calls, 0);
    assert.deepEqual((await readAlerts()).filter((a) => a.kind === 'drift'), []);
    assert.equal((await registry.versions(MODEL)).length, 1);
    assert.equal(await driftGauge('gofuture_model_drift_detected', { model: MODEL, version: '1' }), 0, 'the ModelDriftDetected rule reads 0');
    const ageScore = await driftGauge('gofuture_model_drift_score', { model: MODEL, version: '1', feature: 'age', method: 'wasserstein' });
    assert.ok(typeof ageScore === 'number' && ageScore === run.columns.find((c) => c.column === 'age')?.score, `age's statistic on /metrics: ${ageScore}`);
  });

  void it('injected drift: report + drift alert, then a retrained challenger (champion unchanged)', async () => {
    await orchestrator.trigger(driftDagId(MODEL), DRIFTED);
    const s = await orchestrator.waitFor(driftDagId(MODEL), DRIFTED);
    assert.equal(s.state, 'succeeded', JSON.stringify(s.tasks.map((t) => [t.task, t.state, t.error])));
    const runs = await readDriftRuns(f.lake, f.conn, MODEL, 5);
    assert.deepEqual(runs.map((r) => [r.logicalDate, r.datasetDrift]), [[DRIFTED, true], [QUIET, false]]);
    const drifted = runs[0];
    assert.ok(drifted && drifted.driftedColumns >= 2 && drifted.share >= 0.5);
    assert.ok(drifted.columns.every((c) => c.psi !== null && c.referenceRows === 1800 && c.currentRows === 800));
    const driftAlerts = (await readAlerts()).filter((a) => a.kind === 'drift');
    assert.equal(driftAlerts.length, 1);
    assert.equal(await driftGauge('gofuture_model_drift_detected', { model: MODEL, version: '1' }), 1, 'the ModelDriftDetected rule reads 1');
    assert.equal(driftAlerts[0]?.source, MODEL);
    assert.equal(driftAlerts[0]?.logicalDate, DRIFTED);
    assert.match(driftAlerts[0]?.message ?? '', /dataset drift/);
    assert.equal(trainer.calls, 1);
    const challenger = await registry.byAlias(MODEL, 'challenger');
    assert.ok(challenger);
    assert.equal(challenger.version, '2');
    assert.equal(challenger.stage, 'Staging');
    assert.equal(challenger.tags?.trigger, 'drift');
    assert.ok(challenger.artifactPaths.includes(REFERENCE_ARTIFACT), 'the retrained version carries its own reference');
    assert.equal((await registry.byAlias(MODEL, 'champion'))?.version, '1');
  });

  void it('a candidate that fails its gate is not registered and stops the run with an alert', async () => {
    const bad = fakeTrainer({ auc: 0.55, f1: 0.2, precision: 0.3, recall: 0.2 });
    const alertSink = createAlertSink({ log, metrics: new Registry(), logger });
    const q = new LocalTaskQueue({ maxHistory: 1000 }, { logger, metrics: new Registry() });
    await q.start();
    const dags = mlDags({ registry, lake: f.lake, alerts: alertSink, logger, trainer: bad, data: { dataset: async () => dataset(2000, 3) }, windows: { window: async () => null }, models: [{ model: MODEL, retrain: '0 4 * * *', cadence: 'test' }] });
    const o = new Orchestrator({ queue: q, dags, alerts: alertSink, logger });
    await o.startWorker(1);
    try {
      await o.trigger(retrainDagId(MODEL), '2026-04-03');
      const s = await o.waitFor(retrainDagId(MODEL), '2026-04-03');
      assert.equal(s.state, 'failed');
      assert.deepEqual(s.tasks.map((t) => [t.task, t.state]), [['retrain', 'succeeded'], ['validate', 'succeeded'], ['gate', 'failed'], ['register', 'skipped'], ['canary', 'skipped']]);
      assert.equal((await registry.versions(MODEL)).length, 2, 'nothing registered');
      assert.ok((await readAlerts()).some((a) => a.kind === 'retrain' && /fails its gate/.test(a.message)));
    } finally {
      await o.stop();
      await q.close();
    }
  });
});
