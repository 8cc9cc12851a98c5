/**
 * Trains a model the seed 001 way: every candidate cross-validated on the development rows
 * (cross-validation.ts), the best (F1 for classifiers, RMSE for regressors) refitted on the train
 * split, its threshold chosen on the validation split, its metrics and the naive baselines
 * (baselines.ts) taken on the held-out test split, exported to ONNX, checked against its gate, and
 * described as a NewModelVersion (connectors/contracts/model-version-registry.ts) for any registry.
 * Seeded and deterministic: the same data and options give the same version, byte for byte.
 */
import type { ModelVersionInfo, ModelVersionRegistry, NewModelVersion } from '../../connectors/contracts/model-version-registry.ts';
import { checkGate, type GateResult } from '../../schema/model-gates.ts';
import { beatsBaselines, classificationBaselines, logLoss, regressionBaselines, type HeldOut } from './baselines.ts';
import type { CandidateSpec } from './candidate-specs.ts';
import { fitCandidate, type CandidateConfig, type CandidateKind, type FittedCandidate } from './candidates.ts';
import { bestOf, crossValidate, shuffledFolds, timeSeriesFolds, type CvResult, type CvStrategy } from './cross-validation.ts';
import { buildReferenceProfile, encodeReferenceProfile, REFERENCE_ARTIFACT } from '../drift/reference-profile.ts';
import type { Dataset } from './datasets/dataset.ts';
import { auc, classification, mae, r2, rmse } from './evaluation.ts';
import { chooseThreshold } from './model-evaluation.ts';
import { createPrng } from './prng.ts';

export interface TrainProgress {
  readonly step: number;
  readonly total: number;
  readonly phase: 'cross-validation' | 'final fit' | 'evaluate';
  readonly candidate?: CandidateKind;
  readonly fold?: number;
}

export interface TrainCandidatesOptions {
  /** Default: the spec's candidates. */
  readonly candidates?: readonly CandidateKind[];
  /** Cross-validation folds (default 5). */
  readonly folds?: number;
  /** The training set (a lake set, a CSV); default the spec's synthetic one from its seed. */
  readonly data?: Dataset;
  /** Where `data` came from, for the version's tags (`synthetic`, `lake`, `csv:<file>`). */
  readonly dataSource?: string;
  /** The git commit of the code (lineage.codeVersion); default `unknown`. */
  readonly codeVersion?: string;
  /** Held-out rows (and the model's predictions) kept to check the ONNX file against; default 256. */
  readonly sampleCount?: number;
  readonly onProgress?: (p: TrainProgress) => void;
}

export interface CandidateRun {
  readonly name: string;
  readonly cvStrategy: CvStrategy;
  readonly cv: readonly CvResult[];
  readonly chosen: FittedCandidate;
  readonly metrics: Readonly<Record<string, number>>;
  readonly baselines: Readonly<Record<string, number>>;
  /** Baselines the chosen model does not beat on the test split (empty when it beats them all). */
  readonly baselineFailures: readonly string[];
  readonly gate: GateResult;
  readonly onnx: Uint8Array;
  readonly samples: { readonly rows: readonly (readonly number[])[]; readonly predictions: readonly number[] };
  readonly version: NewModelVersion;
}

const round6 = (v: number): number => Math.round(v * 1e6) / 1e6;
const rounded = (m: Readonly<Record<string, number>>): Record<string, number> => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, round6(v)]));
const slice = (d: Dataset, from: number, to: number): HeldOut => ({ x: d.x.slice(from, to), y: d.y.slice(from, to) });
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function config(spec: CandidateSpec): CandidateConfig {
  return {
    task: spec.task,
    fitLinear: spec.fit,
    ...(spec.bounds ? { bounds: spec.bounds } : {}),
    ...(spec.randomForest ? { randomForest: spec.randomForest } : {}),
    ...(spec.gradientBoosting ? { gradientBoosting: spec.gradientBoosting } : {}),
  };
}

function testMetrics(spec: CandidateSpec, model: FittedCandidate, validation: HeldOut, test: HeldOut): Record<string, number> {
  const predicted = test.x.map((r) => model.predict(r));
  if (spec.task === 'regression') return { rmse: rmse(test.y, predicted), mae: mae(test.y, predicted), r2: r2(test.y, predicted) };
  const vScores = validation.x.map((r) => model.predict(r));
  const threshold = spec.threshold ?? chooseThreshold(spec.name, validation.y, vScores);
  const c = classification(test.y, predicted, threshold);
  const v = classification(validation.y, vScores, threshold);
  return {
    auc: auc(test.y, predicted), f1: c.f1, precision: c.precision, recall: c.recall, accuracy: c.accuracy, log_loss: logLoss(test.y, predicted), threshold,
    validation_f1: v.f1, validation_precision: v.precision, validation_recall: v.recall,
  };
}

export async function trainCandidates(spec: CandidateSpec, options: TrainCandidatesOptions = {}): Promise<CandidateRun> {
  const data = options.data ?? spec.generate(createPrng(spec.seed));
  const kinds = options.candidates ?? spec.candidates;
  if (kinds.length === 0) throw new Error(`model ${spec.name}: no candidates to train`);
  const k = options.folds ?? 5;
  const cvStrategy: CvStrategy = spec.timeOrdered || data.lineage !== undefined ? 'time-series' : 'k-fold';
  const dev = data.testFrom;
  const folds = cvStrategy === 'time-series' ? timeSeriesFolds(dev, k) : shuffledFolds(dev, k, spec.seed);
  const total = kinds.length * k + 2;
  let step = 0;
  const progress = (p: Omit<TrainProgress, 'step' | 'total'>): void => options.onProgress?.({ ...p, step: ++step, total });
  const cfg = config(spec);

  const cv: CvResult[] = [];
  for (const kind of kinds) {
    const input = { name: spec.name, task: spec.task, x: data.x.slice(0, dev), y: data.y.slice(0, dev), folds };
    cv.push(crossValidate(kind, input, (x, y, fold) => {
      const m = fitCandidate(kind, x, y, cfg);
      progress({ phase: 'cross-validation', candidate: kind, fold: fold + 1 });
      return m;
    }));
    await tick();
  }
  const best = bestOf(cv);

  const train = slice(data, 0, data.validationFrom);
  const validation = slice(data, data.validationFrom, data.testFrom);
  const test = slice(data, data.testFrom, data.x.length);
  const chosen = fitCandidate(best.kind, train.x, train.y, cfg);
  progress({ phase: 'final fit', candidate: best.kind });
  await tick();

  const metrics = rounded({
    ...testMetrics(spec, chosen, validation, test),
    [`cv_${best.metric}_mean`]: best.mean,
    [`cv_${best.metric}_std`]: best.std,
    rows_train: train.y.length, rows_validation: validation.y.length, rows_test: test.y.length,
  });
  const baselines = rounded(spec.task === 'regression' ? regressionBaselines(train.y, test, spec.persistence) : classificationBaselines(train.y, test, spec.rules));
  const gate = checkGate(spec.name, { ...baselines, ...metrics });
  const description = `${spec.purpose}. ${chosen.flavor} (${kinds.join(' / ')} compared by ${k}-fold ${cvStrategy} cross-validation ${best.metric.toUpperCase()}).`;
  const onnx = chosen.toOnnx({
    graphName: spec.name,
    description,
    featureNames: data.featureNames,
    outputName: spec.outputName,
    metadata: { model_name: spec.name, flavor: chosen.flavor, task: spec.task, ...(options.data ? {} : { data_seed: String(spec.seed) }) },
  });
  const n = Math.min(options.sampleCount ?? 256, test.x.length);
  const samples = { rows: test.x.slice(0, n), predictions: test.x.slice(0, n).map((r) => chosen.predict(r)) };
  const cvJson = new TextEncoder().encode(`${JSON.stringify({ strategy: cvStrategy, folds: k, metric: best.metric, chosen: best.kind, results: cv }, null, 2)}\n`);
  progress({ phase: 'evaluate', candidate: best.kind });

  const version: NewModelVersion = {
    name: spec.name,
    flavor: chosen.flavor,
    featureNames: [...data.featureNames],
    outputNames: [spec.outputName],
    params: {
      ...chosen.params,
      candidates: kinds.join(','),
      cv_folds: k,
      cv_strategy: cvStrategy,
      selection_metric: best.metric,
      ...(options.data ? {} : { data_seed: spec.seed }),
    },
    metrics,
    baselines,
    lineage: {
      tables: data.lineage?.tables ?? [],
      featureViews: data.lineage?.featureViews ?? [],
      codeVersion: options.codeVersion ?? 'unknown',
      trainingRows: train.y.length,
      ...(data.lineage?.dataFrom ? { dataFrom: data.lineage.dataFrom } : {}),
      ...(data.lineage?.dataTo ? { dataTo: data.lineage.dataTo } : {}),
    },
    description,
    artifacts: {
      'model.onnx': onnx,
      'cv-results.json': cvJson,
      // the drift reference (jobs/drift): a seeded sample of the training split with the model's outputs
      [REFERENCE_ARTIFACT]: encodeReferenceProfile(buildReferenceProfile(data, { model: spec.name, predictions: data.x.map((r) => chosen.predict(r)) })),
    },
    tags: {
      trainer: 'gofuture-training',
      candidate: best.kind,
      data: options.dataSource ?? (options.data ? (data.lineage ? 'lake' : 'given') : 'synthetic'),
      gate: gate.passed ? 'passed' : 'failed',
    },
  };
  return { name: spec.name, cvStrategy, cv, chosen, metrics, baselines, baselineFailures: beatsBaselines(spec.task, metrics, baselines), gate, onnx, samples, version };
}

export interface RegisteredRun {
  readonly run: CandidateRun;
  readonly info: ModelVersionInfo;
}

/**
 * Trains and registers one version. `alias` (e.g. `challenger`) is set after registration; the
 * registry refuses `champion` for a version that fails its gate (MODEL_GATE_FAILED).
 */
export async function trainAndRegister(registry: ModelVersionRegistry, spec: CandidateSpec, options: TrainCandidatesOptions & { readonly alias?: string } = {}): Promise<RegisteredRun> {
  const run = await trainCandidates(spec, options);
  const created = await registry.createVersion(run.version);
  if (options.alias) await registry.setAlias(spec.name, options.alias, created.version);
  return { run, info: options.alias ? await registry.version(spec.name, created.version) : created };
}
