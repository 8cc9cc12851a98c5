/**
 * Training with candidates (seed 001) on every synthetic set and on a generated UCI-shaped credit
 * set (seed 003): each candidate is cross-validated (time-ordered folds for demand and for lake
 * sets), the best by F1 / RMSE is chosen, it beats every naive baseline on the held-out split
 * (majority class, always-positive, prior log-loss, mean, persistence, the seed 001 rules alone for
 * fraud), passes its gate, its ONNX output equals the TypeScript model within 1e-5, and the version
 * registered through a ModelVersionRegistry carries flavor, params, metrics, baselines, lineage
 * and artifacts. Deterministic: the same run gives the same bytes.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createOnnxModelRuntime } from '../../connectors/onnx/onnx-model-runtime.ts';
import { createMemoryModelRegistry } from '../../connectors/embedded/memory-model-registry.ts';
import { CANDIDATE_SPECS, candidateSpec, type CandidateSpec } from '../../jobs/training/candidate-specs.ts';
import { bestOf, shuffledFolds, timeSeriesFolds } from '../../jobs/training/cross-validation.ts';
import { trainAndRegister, trainCandidates, type CandidateRun } from '../../jobs/training/train-candidates.ts';
import { createPrng } from '../../jobs/training/prng.ts';

const spec = (name: string): CandidateSpec => {
  const s = candidateSpec(name);
  assert.ok(s, name);
  return s;
};

async function onnxMatches(run: CandidateRun): Promise<number> {
  const session = await ort.InferenceSession.create(run.onnx, { intraOpNumThreads: 1 });
  try {
    const { rows, predictions } = run.samples;
    const width = run.version.featureNames.length;
    const out = await session.run({ features: new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, width]) });
    const t = out[run.version.outputNames[0] ?? ''];
    assert.ok(t);
    const got = t.data as Float32Array;
    return predictions.reduce((m, p, i) => Math.max(m, Math.abs((got[i] ?? NaN) - p) / Math.max(1, Math.abs(p))), 0);
  } finally {
    await session.release();
  }
}

void describe('cross-validation folds', () => {
  void it('k-fold partitions the rows: every row validated exactly once, never in its own training part', () => {
    const folds = shuffledFolds(103, 5, 1);
    const seen = new Array<number>(103).fill(0);
    for (const f of folds) {
      const train = new Set(f.train);
      for (const v of f.validate) {
        seen[v] = (seen[v] ?? 0) + 1;
        assert.ok(!train.has(v));
      }
      assert.equal(f.train.length + f.validate.length, 103);
    }
    assert.ok(seen.every((c) => c === 1));
  });

  void it('time-series folds train only on rows before the ones they validate (expanding window)', () => {
    const folds = timeSeriesFolds(100, 4);
    assert.equal(folds.length, 4);
    let previous = 0;
    for (const f of folds) {
      assert.ok(Math.max(...f.train) < Math.min(...f.validate));
      assert.ok(f.train.length > previous);
      previous = f.train.length;
    }
    assert.equal(folds.at(-1)?.validate.at(-1), 99);
  });

  void it('the best is the highest mean F1 or the lowest mean RMSE', () => {
    const r = (kind: 'linear' | 'random_forest' | 'gradient_boosting', metric: 'f1' | 'rmse', mean: number) => ({ kind, metric, mean, std: 0, scores: [mean] });
    assert.equal(bestOf([r('linear', 'f1', 0.8), r('random_forest', 'f1', 0.85), r('gradient_boosting', 'f1', 0.84)]).kind, 'random_forest');
    assert.equal(bestOf([r('linear', 'rmse', 2), r('random_forest', 'rmse', 3), r('gradient_boosting', 'rmse', 1.5)]).kind, 'gradient_boosting');
  });
});

const runs = new Map<string, CandidateRun>();

void describe('trainCandidates on the synthetic sets and a generated credit set', () => {
  before(async () => {
    for (const s of CANDIDATE_SPECS) {
      // every candidate for every model (credit too, to compare); fewer folds for the big fraud set
      runs.set(s.name, await trainCandidates(s, { folds: s.name === 'fraud_score' ? 2 : 3, candidates: ['linear', 'random_forest', 'gradient_boosting'], codeVersion: 'test' }));
    }
  });

  void it('cross-validates every candidate and chooses the best by F1 (classifiers) / RMSE (regressors)', () => {
    for (const s of CANDIDATE_SPECS) {
      const run = runs.get(s.name);
      assert.ok(run);
      assert.deepEqual(run.cv.map((c) => c.kind), ['linear', 'random_forest', 'gradient_boosting']);
      for (const c of run.cv) {
        assert.equal(c.metric, s.task === 'classification' ? 'f1' : 'rmse');
        assert.equal(c.scores.length, s.name === 'fraud_score' ? 2 : 3);
        assert.ok(Number.isFinite(c.mean) && c.std >= 0);
      }
      const best = bestOf(run.cv);
      assert.equal(run.chosen.kind, best.kind, `${s.name} chose ${run.chosen.kind}`);
      assert.equal(run.metrics[`cv_${best.metric}_mean`], Math.round(best.mean * 1e6) / 1e6);
      assert.equal(run.cvStrategy, s.name === 'demand_forecast' ? 'time-series' : 'k-fold');
    }
  });

  void it('every chosen model beats its naive baselines on the held-out split and passes its gate', () => {
    for (const [name, run] of runs) {
      assert.deepEqual(run.baselineFailures, [], `${name}: ${run.baselineFailures.join('; ')}`);
      assert.deepEqual(run.gate.failures, [], `${name} gate`);
    }
    const fraud = runs.get('fraud_score');
    assert.ok(fraud);
    for (const k of ['majority_accuracy', 'majority_f1', 'baseline_f1', 'prior_log_loss', 'rules_precision', 'rules_recall', 'rules_f1']) assert.equal(typeof fraud.baselines[k], 'number', k);
    assert.ok((fraud.metrics.f1 ?? 0) > (fraud.baselines.rules_f1 ?? 1), `fraud f1 ${fraud.metrics.f1} vs the rules alone ${fraud.baselines.rules_f1}`);
    const demand = runs.get('demand_forecast');
    assert.ok(demand);
    assert.ok((demand.metrics.rmse ?? Infinity) < (demand.baselines.persistence_rmse ?? 0), 'demand beats persistence');
    assert.ok((demand.metrics.rmse ?? Infinity) < (demand.baselines.mean_rmse ?? 0), 'demand beats the mean');
    const credit = runs.get('credit_default');
    assert.ok(credit);
    assert.ok((credit.metrics.auc ?? 0) > 0.7, `credit auc ${credit.metrics.auc}`);
    assert.ok((credit.metrics.f1 ?? 0) > (credit.baselines.baseline_f1 ?? 1));
  });

  void it('the ONNX export of each chosen model equals its TypeScript predictions within 1e-5 on held-out rows', async () => {
    for (const [name, run] of runs) {
      assert.ok(run.samples.rows.length >= 200);
      const diff = await onnxMatches(run);
      assert.ok(diff <= 1e-5, `${name} (${run.chosen.flavor}): max relative |onnx - ts| = ${diff}`);
    }
  });

  void it('credit trains gradient boosting by default (seed 003) on UCI-shaped data with ~22 % defaults', async () => {
    const s = spec('credit_default');
    assert.deepEqual(s.candidates, ['gradient_boosting']);
    const data = s.generate(createPrng(s.seed));
    const rate = data.y.reduce((a, v) => a + v, 0) / data.y.length;
    assert.ok(rate > 0.19 && rate < 0.25, `default rate ${rate}`);
    const run = await trainCandidates(s, { folds: 2 });
    assert.equal(run.chosen.flavor, 'gradient_boosting');
    assert.deepEqual(run.baselineFailures, []);
    assert.ok(run.gate.passed, run.gate.failures.join('; '));
  });
});

void describe('trainAndRegister', () => {
  void it('registers a NewModelVersion with flavor, params, metrics, baselines, lineage and artifacts; champion passes its gate', async () => {
    const registry = createMemoryModelRegistry();
    const s = spec('surge_multiplier');
    const { run, info } = await trainAndRegister(registry, s, { folds: 2, candidates: ['linear', 'gradient_boosting'], codeVersion: 'abc123', alias: 'challenger' });
    assert.equal(info.name, 'surge_multiplier');
    assert.equal(info.version, '1');
    assert.deepEqual(info.aliases, ['challenger']);
    assert.equal(info.flavor, run.chosen.flavor);
    assert.equal(info.params.candidates, 'linear,gradient_boosting');
    assert.equal(info.params.cv_folds, 2);
    assert.equal(info.params.selection_metric, 'rmse');
    assert.equal(info.params.data_seed, s.seed);
    for (const k of ['rmse', 'mae', 'r2', 'cv_rmse_mean', 'rows_train']) assert.equal(typeof info.metrics[k], 'number', k);
    assert.deepEqual(Object.keys(info.baselines).sort(), ['baseline_rmse', 'mean_mae', 'mean_rmse']);
    assert.equal(info.lineage.codeVersion, 'abc123');
    assert.equal(info.lineage.trainingRows, info.metrics.rows_train);
    assert.deepEqual(info.featureNames, [...s.generate(createPrng(s.seed)).featureNames]);
    assert.deepEqual(info.artifactPaths, ['cv-results.json', 'model.onnx', 'reference.json']);
    assert.deepEqual(await registry.artifact('surge_multiplier', '1', 'model.onnx'), new Uint8Array(run.onnx));
    const cv = JSON.parse(new TextDecoder().decode(await registry.artifact('surge_multiplier', '1', 'cv-results.json'))) as { results: { kind: string }[] };
    assert.deepEqual(cv.results.map((r) => r.kind), ['linear', 'gradient_boosting']);
    await registry.setAlias('surge_multiplier', 'champion', '1');
    assert.equal((await registry.byAlias('surge_multiplier', 'champion'))?.stage, 'Production');
    // the serving runtime loads the version as it is and answers what training predicted
    assert.equal(run.chosen.kind, 'gradient_boosting');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gofuture-train-serve-'));
    const rt = createOnnxModelRuntime({}, { logger: pino({ level: 'silent' }), metrics: new Registry() });
    try {
      const file = path.join(dir, 'model.onnx');
      await writeFile(file, run.onnx);
      await rt.start();
      await rt.load({ name: info.name, version: info.version, stage: 'Production', file: 'model.onnx', featureNames: info.featureNames, outputNames: info.outputNames, metrics: info.metrics, trainedAt: info.createdAt, description: info.description }, file);
      const rows = run.samples.rows.slice(0, 64);
      const served = await rt.run(info.name, info.version, rows);
      served.forEach((o, i) => assert.ok(Math.abs((o.multiplier?.[0] ?? NaN) - (run.samples.predictions[i] ?? 0)) <= 1e-5, `row ${i}`));
    } finally {
      await rt.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  void it('is deterministic, and a lake set (with lineage) is cross-validated in time order and recorded in lineage', async () => {
    const s = spec('surge_multiplier');
    const a = await trainCandidates(s, { folds: 2, candidates: ['gradient_boosting'] });
    const b = await trainCandidates(s, { folds: 2, candidates: ['gradient_boosting'] });
    assert.deepEqual(a.onnx, b.onnx);
    assert.deepEqual(a.metrics, b.metrics);
    const data = { ...s.generate(createPrng(7)), lineage: { tables: [{ name: 'silver.pricing', version: 4 }], featureViews: ['region_demand_1h'], dataFrom: '2026-01-01T00:00:00Z', dataTo: '2026-01-08T00:00:00Z' } };
    const lake = await trainCandidates(s, { folds: 2, candidates: ['linear'], data });
    assert.equal(lake.cvStrategy, 'time-series');
    assert.deepEqual(lake.version.lineage.tables, [{ name: 'silver.pricing', version: 4 }]);
    assert.deepEqual(lake.version.lineage.featureViews, ['region_demand_1h']);
    assert.equal(lake.version.lineage.dataTo, '2026-01-08T00:00:00Z');
    assert.equal(lake.version.tags?.data, 'lake');
    assert.equal(lake.version.params.data_seed, undefined);
  });
});
