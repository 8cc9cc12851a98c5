/** The initial training job: deterministic, better than naive baselines, ONNX that matches training. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import type { ModelCard } from '../../connectors/contracts/model-runtime.ts';
import { rmse } from '../../jobs/training/evaluation.ts';
import { TRAINING_SPECS } from '../../jobs/training/model-specs.ts';
import { createPrng } from '../../jobs/training/prng.ts';
import { trainInitialModels } from '../../jobs/training/train-initial-models.ts';
import type { TrainedModel } from '../../jobs/training/train-model.ts';

const { onnx } = onnxProto;
const root = mkdtempSync(join(tmpdir(), 'gofuture-training-'));
const committed = join(import.meta.dirname, '..', '..', 'models');
const trainedAt = '2025-01-01T00:00:00.000Z';
let trained: readonly TrainedModel[] = [];

before(async () => {
  trained = await trainInitialModels(join(root, 'a'), { trainedAt });
});
after(() => rmSync(root, { recursive: true, force: true }));

const byName = (name: string): TrainedModel => {
  const t = trained.find((m) => m.card.name === name);
  assert.ok(t, `model ${name} trained`);
  return t;
};

void describe('trainInitialModels', () => {
  void it('writes one ONNX file per model and a registry of Production v1 cards', () => {
    const cards = JSON.parse(readFileSync(join(root, 'a', 'registry.json'), 'utf8')) as ModelCard[];
    assert.deepEqual(cards.map((c) => c.name).sort(), ['credit_default', 'demand_forecast', 'fraud_score', 'surge_multiplier']);
    for (const c of cards) {
      assert.equal(c.version, '1');
      assert.equal(c.stage, 'Production');
      assert.equal(c.trainedAt, trainedAt);
      assert.equal(c.file, `${c.name}/1/model.onnx`);
      assert.ok(existsSync(join(root, 'a', c.file)), `${c.file} exists`);
    }
    assert.deepEqual(byName('surge_multiplier').card.featureNames, ['demand_supply_ratio', 'hour_sin', 'hour_cos', 'is_weekend', 'weather_rain', 'weather_snow', 'recent_cancellation_rate']);
    assert.deepEqual(byName('fraud_score').card.outputNames, ['probability']);
    assert.equal(byName('credit_default').card.metrics.threshold, 0.5);
  });

  void it('is deterministic: a second run writes byte-identical artifacts', async () => {
    await trainInitialModels(join(root, 'b'), { trainedAt });
    assert.equal(readFileSync(join(root, 'b', 'registry.json'), 'utf8'), readFileSync(join(root, 'a', 'registry.json'), 'utf8'));
    for (const t of trained) assert.deepEqual(readFileSync(join(root, 'b', t.card.file)), readFileSync(join(root, 'a', t.card.file)));
  });

  void it('the committed models/ directory is what the job produces (regenerate with the script if not)', () => {
    const cards = JSON.parse(readFileSync(join(committed, 'registry.json'), 'utf8')) as ModelCard[];
    assert.deepEqual(cards.map((c) => ({ ...c, trainedAt })), trained.map((t) => t.card));
    for (const t of trained) assert.deepEqual(readFileSync(join(committed, t.card.file)), Buffer.from(t.onnx), `${t.card.file} is up to date`);
  });

  void it('regressions beat the mean predictor on the held-out split, demand also beats persistence', () => {
    for (const name of ['surge_multiplier', 'demand_forecast']) {
      const m = byName(name).card.metrics;
      assert.ok((m.rmse ?? Infinity) < 0.6 * (m.baseline_rmse ?? 0), `${name} rmse ${m.rmse} vs baseline ${m.baseline_rmse}`);
      assert.ok((m.mae ?? Infinity) < (m.baseline_mae ?? 0));
      assert.ok((m.r2 ?? 0) > 0.6, `${name} r2 ${m.r2}`);
    }
    const spec = TRAINING_SPECS.find((s) => s.name === 'demand_forecast');
    assert.ok(spec);
    const data = spec.generate(createPrng(spec.seed));
    const testX = data.x.slice(data.testFrom);
    const persistence = rmse(data.y.slice(data.testFrom), testX.map((r) => r[0] ?? 0));
    assert.ok((byName('demand_forecast').card.metrics.rmse ?? Infinity) < persistence, `demand rmse vs persistence ${persistence}`);
  });

  void it('classifiers beat the majority class and chance on the held-out split', () => {
    for (const name of ['fraud_score', 'credit_default']) {
      const m = byName(name).card.metrics;
      for (const k of ['auc', 'f1', 'precision', 'recall']) assert.equal(typeof m[k], 'number', `${name} records ${k}`);
      assert.ok((m.auc ?? 0) > 0.7, `${name} auc ${m.auc}`);
      assert.ok((m.accuracy ?? 0) > (m.baseline_accuracy ?? 1), `${name} accuracy ${m.accuracy} vs majority ${m.baseline_accuracy}`);
      assert.ok((m.f1 ?? 0) > 0.3, `${name} f1 ${m.f1}`);
    }
    assert.ok((byName('fraud_score').card.metrics.auc ?? 0) > 0.95);
  });

  void it('writes ONNX IR 8, opset >= 13, input features [N, F] with standardization and the right activation', () => {
    const expected: Record<string, string> = { surge_multiplier: 'Clip', fraud_score: 'Sigmoid', demand_forecast: 'Relu', credit_default: 'Sigmoid' };
    for (const t of trained) {
      const m = onnx.ModelProto.decode(t.onnx);
      assert.equal(Number(m.irVersion), 8);
      assert.ok(m.opsetImport.some((o) => (o.domain ?? '') === '' && Number(o.version) >= 13));
      const input = m.graph?.input?.[0];
      assert.equal(input?.name, 'features');
      const dims = input?.type?.tensorType?.shape?.dim ?? [];
      assert.equal(dims[0]?.dimParam, 'N');
      assert.equal(Number(dims[1]?.dimValue), t.card.featureNames.length);
      const ops = (m.graph?.node ?? []).map((n) => n.opType);
      assert.deepEqual(ops.slice(0, 2), ['Sub', 'Div']);
      assert.equal(ops.at(-1), expected[t.card.name]);
      assert.equal(m.graph?.output?.[0]?.name, t.card.outputNames[0]);
    }
  });

  void it('the ONNX files agree with the training-time predictions within 1e-4', async () => {
    for (const t of trained) {
      const session = await ort.InferenceSession.create(readFileSync(join(root, 'a', t.card.file)));
      try {
        const { rows, predictions } = t.samples;
        assert.ok(rows.length >= 16);
        const width = t.card.featureNames.length;
        const out = await session.run({ features: new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, width]) });
        const tensor = out[t.card.outputNames[0] ?? ''];
        assert.ok(tensor);
        assert.deepEqual(tensor.dims, [rows.length, 1]);
        const got = tensor.data as Float32Array;
        predictions.forEach((p, i) => assert.ok(Math.abs((got[i] ?? NaN) - p) <= 1e-4, `${t.card.name} row ${i}: onnx ${got[i]} vs training ${p}`));
      } finally {
        await session.release();
      }
    }
  });
});
