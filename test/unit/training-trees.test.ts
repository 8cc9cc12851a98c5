/**
 * The TypeScript tree learners and their ONNX export: onnxruntime-node's output equals the
 * TypeScript model's within 1e-5 on held-out rows for every tree kind (random forest and gradient
 * boosting, classifier and regressor), also on rows placed exactly at, just below and just above the
 * float32 split thresholds (BRANCH_LEQ on float32); binning cuts are float32 data values; the
 * learners are deterministic and learn (better than the mean / the positive rate on held-out rows).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { fraudDataset } from '../../jobs/training/datasets/fraud.ts';
import { surgeDataset } from '../../jobs/training/datasets/surge.ts';
import { rmse } from '../../jobs/training/evaluation.ts';
import { binMatrix, binOf, quantileCuts } from '../../jobs/training/learners/binning.ts';
import { fitGradientBoosting } from '../../jobs/training/learners/gradient-boosting.ts';
import { fitRandomForest } from '../../jobs/training/learners/random-forest.ts';
import { predictEnsemble, type TreeEnsemble } from '../../jobs/training/learners/tree-ensemble.ts';
import { logLoss } from '../../jobs/training/baselines.ts';
import { treeEnsembleToOnnx } from '../../jobs/training/onnx-tree-writer.ts';
import { createPrng } from '../../jobs/training/prng.ts';

const { onnx } = onnxProto;
type Rows = readonly (readonly number[])[];

async function onnxOutputs(bytes: Uint8Array, rows: Rows, width: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  try {
    const out = await session.run({ features: new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, width]) });
    const t = out.out;
    assert.ok(t, 'output named out');
    assert.deepEqual(t.dims, [rows.length, 1]);
    return t.data as Float32Array;
  } finally {
    await session.release();
  }
}

/** Rows at every threshold of the model and at the neighbouring doubles / float32 values. */
function thresholdRows(model: TreeEnsemble, base: readonly number[]): number[][] {
  const rows: number[][] = [];
  const tiny = new Float32Array(1);
  for (const tree of model.trees.slice(0, 5)) {
    tree.feature.forEach((f, k) => {
      if (f < 0) return;
      const t = tree.threshold[k] ?? 0;
      tiny[0] = t;
      const ulp = Math.abs(t) * 2 ** -23 || 2 ** -126;
      for (const v of [t, t + ulp / 4, t - ulp / 4, t + ulp, t - ulp]) {
        const row = [...base];
        row[f] = v;
        rows.push(row);
      }
    });
  }
  return rows;
}

const maxDiff = (a: Float32Array, b: readonly number[]): number => b.reduce((m, v, i) => Math.max(m, Math.abs((a[i] ?? NaN) - v)), 0);

const fraud = fraudDataset(createPrng(1002), 24_000);
const surge = surgeDataset(createPrng(1001), 12_000);
const split = (d: { x: Rows; y: readonly number[]; testFrom: number }) => ({
  train: { x: d.x.slice(0, d.testFrom), y: d.y.slice(0, d.testFrom) },
  test: { x: d.x.slice(d.testFrom), y: d.y.slice(d.testFrom) },
});
const F = split(fraud);
const S = split(surge);

const KINDS = [
  { name: 'random forest classifier', data: F, width: fraud.featureNames.length, fit: () => fitRandomForest(F.train.x, F.train.y, 'binary', { trees: 25 }), op: 'TreeEnsembleClassifier' },
  { name: 'gradient boosting classifier', data: F, width: fraud.featureNames.length, fit: () => fitGradientBoosting(F.train.x, F.train.y, 'binary', { rounds: 60 }), op: 'TreeEnsembleClassifier' },
  { name: 'random forest regressor', data: S, width: surge.featureNames.length, fit: () => fitRandomForest(S.train.x, S.train.y, 'regression', { trees: 25 }), op: 'TreeEnsembleRegressor' },
  { name: 'gradient boosting regressor', data: S, width: surge.featureNames.length, fit: () => fitGradientBoosting(S.train.x, S.train.y, 'regression', { rounds: 60 }), op: 'TreeEnsembleRegressor' },
] as const;

void describe('tree learners exported as ONNX TreeEnsemble', () => {
  for (const k of KINDS) {
    void it(`${k.name}: onnxruntime equals the TypeScript model within 1e-5 on held-out rows and at the float32 thresholds`, async () => {
      const model = k.fit();
      const featureNames = Array.from({ length: k.width }, (_, i) => `f${i}`);
      const bytes = treeEnsembleToOnnx({ graphName: 'm', description: k.name, featureNames, outputName: 'out', model });
      const proto = onnx.ModelProto.decode(bytes);
      assert.deepEqual((proto.graph?.node ?? []).map((n) => n.opType)[0], k.op);
      assert.ok(proto.opsetImport.some((o) => o.domain === 'ai.onnx.ml'));
      const rows = k.data.test.x.slice(0, 3000);
      const ours = rows.map((r) => predictEnsemble(model, r));
      const diff = maxDiff(await onnxOutputs(bytes, rows, k.width), ours);
      assert.ok(diff <= 1e-5, `${k.name}: max |onnx - ts| = ${diff} on ${rows.length} held-out rows`);
      const edge = thresholdRows(model, rows[0] ?? []);
      assert.ok(edge.length > 50);
      const edgeDiff = maxDiff(await onnxOutputs(bytes, edge, k.width), edge.map((r) => predictEnsemble(model, r)));
      assert.ok(edgeDiff <= 1e-5, `${k.name}: max |onnx - ts| = ${edgeDiff} at thresholds`);
    });
  }

  void it('learn: classifiers beat the positive-rate log-loss, regressors the mean RMSE, on held-out rows', () => {
    const rate = F.train.y.reduce((s, v) => s + v, 0) / F.train.y.length;
    const prior = logLoss(F.test.y, F.test.y.map(() => rate));
    for (const m of [fitRandomForest(F.train.x, F.train.y, 'binary', { trees: 15 }), fitGradientBoosting(F.train.x, F.train.y, 'binary', { rounds: 40 })]) {
      const ll = logLoss(F.test.y, F.test.x.map((r) => predictEnsemble(m, r)));
      assert.ok(ll < 0.5 * prior, `${m.kind} log-loss ${ll} vs prior ${prior}`);
    }
    const mean = S.train.y.reduce((s, v) => s + v, 0) / S.train.y.length;
    const naive = rmse(S.test.y, S.test.y.map(() => mean));
    for (const m of [fitRandomForest(S.train.x, S.train.y, 'regression', { trees: 15 }), fitGradientBoosting(S.train.x, S.train.y, 'regression', { rounds: 40 })]) {
      const e = rmse(S.test.y, S.test.x.map((r) => predictEnsemble(m, r)));
      assert.ok(e < 0.5 * naive, `${m.kind} rmse ${e} vs mean ${naive}`);
    }
  });

  void it('is deterministic: the same data and seed give the same bytes; another seed another forest', () => {
    const x = S.train.x.slice(0, 3000);
    const y = S.train.y.slice(0, 3000);
    const spec = (model: TreeEnsemble) => treeEnsembleToOnnx({ graphName: 'm', description: '', featureNames: Array.from({ length: surge.featureNames.length }, (_, i) => `f${i}`), outputName: 'out', model });
    assert.deepEqual(spec(fitGradientBoosting(x, y, 'regression', { rounds: 10 })), spec(fitGradientBoosting(x, y, 'regression', { rounds: 10 })));
    assert.deepEqual(spec(fitRandomForest(x, y, 'regression', { trees: 5 })), spec(fitRandomForest(x, y, 'regression', { trees: 5 })));
    assert.notDeepEqual(spec(fitRandomForest(x, y, 'regression', { trees: 5, seed: 1 })), spec(fitRandomForest(x, y, 'regression', { trees: 5, seed: 2 })));
  });
});

void describe('histogram binning', () => {
  void it('cuts are ascending float32 values of the column; bin(x) <= b exactly when x <= cut[b]', () => {
    const rng = createPrng(5);
    const col = Float32Array.from({ length: 5000 }, () => rng.normal(0, 1) * 1000.123);
    const cuts = quantileCuts(col, 64);
    assert.ok(cuts.length > 30 && cuts.length <= 63);
    const values = new Set(col);
    for (let i = 0; i < cuts.length; i++) {
      assert.ok(values.has(cuts[i] ?? NaN), 'a cut is a data value');
      if (i > 0) assert.ok((cuts[i] ?? 0) > (cuts[i - 1] ?? 0));
    }
    for (const x of col.slice(0, 500)) {
      const b = binOf(cuts, x);
      for (let j = 0; j < cuts.length; j++) assert.equal(b <= j, x <= (cuts[j] ?? 0));
    }
    // a column with few distinct values gets one bin per value
    const m = binMatrix([[0], [1], [1], [2], [0]], 256);
    assert.deepEqual([...(m.cuts[0] ?? [])], [0, 1]);
    assert.deepEqual([...(m.bins[0] ?? [])], [0, 1, 1, 2, 0]);
  });
});
