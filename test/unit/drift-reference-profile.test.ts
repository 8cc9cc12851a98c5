/** Reference profiles (reference.json) with a model version, and the fraud label trigger of retraining. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMemoryModelRegistry } from '../../connectors/embedded/memory-model-registry.ts';
import { buildReferenceProfile, decodeReferenceProfile, loadReferenceProfile, profileFrame, REFERENCE_ARTIFACT, withReferenceProfile } from '../../jobs/drift/reference-profile.ts';
import { retrainOnNewLabels } from '../../jobs/orchestrator/ml-dags.ts';
import type { Dataset } from '../../jobs/training/datasets/dataset.ts';
import { PlatformError } from '../../schema/errors.ts';

const dataset: Dataset = {
  featureNames: ['amount', 'method_code'],
  x: Array.from({ length: 100 }, (_, i) => [i * 10, i % 3]),
  y: Array.from({ length: 100 }, (_, i) => i % 2),
  validationFrom: 60,
  testFrom: 80,
};

void describe('reference profiles', () => {
  void it('samples the training split only, seeded, with declared kinds and aligned predictions', () => {
    const predictions = dataset.x.map((r) => (r[0] ?? 0) / 1000);
    const p = buildReferenceProfile(dataset, { model: 'fraud_score', maxRows: 20, predictions, kinds: { method_code: 'categorical' }, now: () => Date.UTC(2026, 0, 1) });
    assert.equal(p.sourceRows, 60);
    assert.equal(p.createdAt, '2026-01-01T00:00:00.000Z');
    const amounts = p.columns[0]?.values as number[];
    assert.equal(amounts.length, 20);
    assert.ok(amounts.every((a) => a < 600), 'no validation or test row in the reference');
    assert.deepEqual(amounts, [...amounts].sort((a, b) => a - b));
    assert.deepEqual(p, buildReferenceProfile(dataset, { model: 'fraud_score', maxRows: 20, predictions, kinds: { method_code: 'categorical' }, now: () => Date.UTC(2026, 0, 1) }), 'same seed, same sample');
    assert.deepEqual(p.prediction?.values, amounts.map((a) => a / 1000), 'predictions of the same rows');
    const { frame, kinds, predictionColumn } = profileFrame(p);
    assert.deepEqual(Object.keys(frame), ['amount', 'method_code', 'prediction']);
    assert.deepEqual(kinds, { method_code: 'categorical' });
    assert.equal(predictionColumn, 'prediction');
    assert.equal(buildReferenceProfile(dataset, { model: 'm', split: 'all' }).sourceRows, 100);
  });

  void it('travels with the version as the reference.json artifact and reads back', async () => {
    const registry = createMemoryModelRegistry();
    const p = buildReferenceProfile(dataset, { model: 'credit_default' });
    const v = await registry.createVersion(withReferenceProfile({
      name: 'credit_default', flavor: 'gbdt', featureNames: dataset.featureNames, outputNames: ['probability'], params: {}, metrics: { auc: 0.8 }, baselines: {},
      lineage: { tables: [], featureViews: [], codeVersion: 'test' }, description: '', artifacts: { 'model.onnx': new Uint8Array([1]) },
    }, p));
    assert.deepEqual(v.artifactPaths, ['model.onnx', REFERENCE_ARTIFACT]);
    assert.deepEqual(await loadReferenceProfile(registry, 'credit_default', v.version), p);
  });

  void it('refuses an artifact that is not a reference with DRIFT_REFERENCE_INVALID', () => {
    for (const bytes of [new TextEncoder().encode('{nope'), new TextEncoder().encode('{"format":"other"}')]) {
      assert.throws(() => decodeReferenceProfile(bytes), (e: unknown) => e instanceof PlatformError && e.code === 'DRIFT_REFERENCE_INVALID');
    }
  });
});

void describe('fraud retrains on new labels', () => {
  void it('reruns today\'s retrain_fraud_score once enough labels arrived, then counts again', async () => {
    const calls: unknown[][] = [];
    const orchestrator = { trigger: async (...a: unknown[]) => { calls.push(a); return { dag: String(a[0]), logicalDate: String(a[1]), state: 'queued' as const, tasks: [] }; } };
    const onLabels = retrainOnNewLabels({ orchestrator, minLabels: 100, now: () => Date.parse('2026-06-01T10:30:00Z') });
    assert.equal(await onLabels(60), false);
    assert.equal(await onLabels(50), true);
    assert.equal(await onLabels(99), false);
    assert.deepEqual(calls, [['retrain_fraud_score', '2026-06-01', { rerun: 'finished' }]]);
  });
});
