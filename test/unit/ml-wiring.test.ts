/**
 * The parts that wire the ML DAGs into the platform (bin/pipeline-ml.ts): the drift window read from
 * the prediction log (one model's champion and canary rows of one day, features from the logged
 * JSON, the prediction from the first output; shadow rows and other days / models left out), the
 * training sets as of a logical date (label window, synthetic and CSV sources, refusals), the
 * trainer adapter (a servable version with a drift reference), and fraud's retraining on new labels
 * (a consumer of the fraud-labels topic triggering retrain_fraud_score once enough arrived).
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createMemoryEventLog } from '../../connectors/embedded/memory-event-log.ts';
import { predictionLogWindow } from '../../jobs/drift/prediction-log-window.ts';
import { REFERENCE_ARTIFACT, decodeReferenceProfile } from '../../jobs/drift/reference-profile.ts';
import type { OfflineSource } from '../../jobs/features/offline/index.ts';
import { appendRows } from '../../jobs/lake/delta/index.ts';
import { retrainFraudOnNewLabels } from '../../jobs/orchestrator/ml-labels.ts';
import { CREDIT_SERVING_FEATURES } from '../../jobs/training/datasets/credit-uci.ts';
import { platformTrainer } from '../../jobs/training/platform-trainer.ts';
import { labelWindow, platformTrainingData } from '../../jobs/training/platform-training-data.ts';
import { TOPICS } from '../../schema/events/topics.ts';
import { PREDICTION_LOG_COLUMNS, PREDICTION_LOG_PARTITION_BY, PREDICTION_LOG_TABLE, predictionLogRow, type PredictionRecord } from '../../schema/ml/prediction-log.ts';
import { lakeFixture, type LakeFixture } from '../support/lake/lake-fixture.ts';

const logger = pino({ level: 'silent' });
const noLake: OfflineSource = { snapshot: async () => null, query: async () => [] };

function rec(o: Partial<PredictionRecord> & { readonly at: string; readonly x: number }): PredictionRecord {
  return {
    requestId: 'r', model: o.model ?? 'credit_default', version: '2', alias: 'champion', variant: o.variant ?? 'champion', entityId: 'c',
    features: { limit_bal: o.x, age: o.x / 2 }, outputs: { probability: [o.x / 100] }, decision: null, predictedAt: Date.parse(o.at),
  };
}

void describe('drift window from the prediction log', () => {
  let f: LakeFixture;
  before(async () => {
    f = await lakeFixture();
    const rows = [
      rec({ at: '2026-04-02T08:00:00Z', x: 10 }),
      rec({ at: '2026-04-02T09:00:00Z', x: 20, variant: 'canary' }),
      rec({ at: '2026-04-02T09:00:00Z', x: 30, variant: 'shadow' }),
      rec({ at: '2026-04-02T10:00:00Z', x: 40, model: 'fraud_score' }),
      rec({ at: '2026-04-01T23:59:59Z', x: 50 }),
    ].map(predictionLogRow);
    await appendRows(f.lake, PREDICTION_LOG_TABLE, rows, { columns: PREDICTION_LOG_COLUMNS, partitionBy: PREDICTION_LOG_PARTITION_BY });
  });
  after(() => f.close());

  void it('reads the model\'s answered rows of the day, features and prediction by the reference\'s names', async () => {
    const w = await predictionLogWindow({ lake: f.lake }).window('credit_default', '2026-04-02', ['limit_bal', 'age', 'prediction']);
    assert.ok(w);
    assert.equal(w.source, 'prediction_log');
    const limits = [...(w.frame.limit_bal ?? [])].sort();
    assert.deepEqual(limits, [10, 20], 'champion and canary rows of the day; not shadow, other models or days');
    assert.deepEqual([...(w.frame.age ?? [])].sort(), [10, 5]);
    assert.deepEqual([...(w.frame.prediction ?? [])].sort(), [0.1, 0.2]);
    assert.equal(await predictionLogWindow({ lake: f.lake }).window('credit_default', '2026-04-03', ['limit_bal']), null, 'no rows that day');
  });
});

void describe('training sets and trainer of the ML DAGs', () => {
  void it('labels of the lookback up to the end of the logical date', () => {
    assert.deepEqual(labelWindow('2026-04-02', 1), { from: Date.parse('2026-04-02T00:00:00Z'), to: Date.parse('2026-04-03T00:00:00Z') - 1 });
    assert.equal(labelWindow('2026-04-02', 30).from, Date.parse('2026-03-04T00:00:00Z'));
  });

  void it('credit from its generator with the served features; a lake set for a model without one, or csv without a file, is refused', async () => {
    const data = platformTrainingData({ source: noLake, data: { credit_default: 'synthetic', fraud_score: 'lake' }, lookbackDays: 30, creditRows: 800 });
    const credit = await data.dataset('credit_default', '2026-04-02');
    assert.equal(credit.x.length, 800);
    assert.deepEqual(credit.featureNames, CREDIT_SERVING_FEATURES);
    const fraud = await data.dataset('fraud_score', '2026-04-02');
    assert.equal(fraud.x.length, 0, 'no labels in the lake yet: an empty set (the DAG trains nothing on it)');
    await assert.rejects(platformTrainingData({ source: noLake, data: { credit_default: 'lake' }, lookbackDays: 30 }).dataset('credit_default', '2026-04-02'), /no training set in the lake/);
    await assert.rejects(platformTrainingData({ source: noLake, data: { credit_default: 'csv' }, lookbackDays: 30 }).dataset('credit_default', '2026-04-02'), /creditCsv/);
  });

  void it('the trainer returns a servable version: the set\'s features, ONNX, metrics, baselines, a drift reference, its code version', async () => {
    const data = platformTrainingData({ source: noLake, data: { credit_default: 'synthetic' }, lookbackDays: 30, creditRows: 1500 });
    const d = await data.dataset('credit_default', '2026-04-02');
    const v = await platformTrainer({ codeVersion: 'abc123', folds: 2, dataSource: () => 'synthetic' }).train('credit_default', d);
    assert.equal(v.name, 'credit_default');
    assert.deepEqual(v.featureNames, [...CREDIT_SERVING_FEATURES]);
    assert.ok(v.artifacts['model.onnx']?.byteLength);
    const ref = v.artifacts[REFERENCE_ARTIFACT];
    assert.ok(ref);
    assert.deepEqual(decodeReferenceProfile(ref).columns.map((c) => c.name), [...CREDIT_SERVING_FEATURES]);
    assert.ok(Number.isFinite(v.metrics.auc) && Number.isFinite(v.baselines.baseline_f1));
    assert.equal(v.lineage.codeVersion, 'abc123');
    assert.equal(v.tags?.data, 'synthetic');
    await assert.rejects(Promise.resolve().then(() => platformTrainer({ codeVersion: 'x' }).train('churn', d)), /no training spec for model churn/);
  });
});

void describe('fraud retrains on new labels', () => {
  void it('triggers today\'s retrain_fraud_score again once enough labels arrived, then counts afresh', async () => {
    const log = createMemoryEventLog({}, { logger, metrics: new Registry() });
    await log.start();
    const triggers: { dag: string; date: string; rerun: string | undefined }[] = [];
    const handle = await retrainFraudOnNewLabels({
      log, logger, minLabels: 5,
      orchestrator: { trigger: async (dag, date, o) => { triggers.push({ dag, date, rerun: o?.rerun }); return { dag, logicalDate: date, state: 'queued', tasks: [] } as never; } },
    });
    const labels = (n: number, from: number) => Array.from({ length: n }, (_, i) => ({ key: `u${from + i}`, value: JSON.stringify({ payment_id: `p${from + i}`, user_id: `u${from + i}`, is_fraud: false, occurred_at: Date.now() }) }));
    const waitFor = async (n: number): Promise<void> => {
      for (let i = 0; i < 200 && triggers.length < n; i++) await sleep(10);
    };
    await log.publish(TOPICS.fraudLabels.name, labels(3, 0));
    await sleep(100);
    assert.equal(triggers.length, 0, '3 labels: not yet');
    await log.publish(TOPICS.fraudLabels.name, labels(3, 3));
    await waitFor(1);
    assert.equal(triggers.length, 1);
    assert.equal(triggers[0]?.dag, 'retrain_fraud_score');
    assert.equal(triggers[0]?.rerun, 'finished');
    assert.match(triggers[0]?.date ?? '', /^\d{4}-\d{2}-\d{2}$/);
    // at most one of the six came after the trigger (batches are per partition), so three more stay below five
    await log.publish(TOPICS.fraudLabels.name, labels(3, 6));
    await sleep(100);
    assert.equal(triggers.length, 1, 'the count restarted after the retraining');
    await handle.stop();
    await log.close();
  });
});
