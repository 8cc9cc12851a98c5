/**
 * Trains one model from its spec: synthetic data split train / validation / test (60/20/20, in time
 * order for time series), fit on train, a classifier's threshold chosen on validation, metrics and
 * naive baselines on the held-out test split, the stage decided by the model's gate
 * (schema/model-gates.ts), ONNX bytes and sample predictions.
 */
import type { ModelCard } from '../../connectors/contracts/model-runtime.ts';
import { checkGate } from '../../schema/model-gates.ts';
import { predictLinear, type LinearModel } from './linear-models.ts';
import { classificationMetrics, regressionMetrics, stageFor, type Split } from './model-evaluation.ts';
import type { TrainingSpec } from './model-specs.ts';
import { linearModelToOnnx } from './onnx-writer.ts';
import { createPrng } from './prng.ts';

export interface TrainedModel {
  readonly card: ModelCard;
  readonly model: LinearModel;
  readonly onnx: Uint8Array;
  /** Held-out rows and the model's training-time predictions for them (to check the ONNX file against). */
  readonly samples: { readonly rows: readonly (readonly number[])[]; readonly predictions: readonly number[] };
  /** Why the card is not Production (empty when it is). */
  readonly gateFailures: readonly string[];
}

export interface TrainOptions {
  readonly version: string;
  readonly trainedAt: string;
  readonly sampleCount?: number;
}

const round6 = (v: number): number => Math.round(v * 1e6) / 1e6;

const slice = (x: readonly (readonly number[])[], y: readonly number[], from: number, to: number): Split => ({ x: x.slice(from, to), y: y.slice(from, to) });

export function trainModel(spec: TrainingSpec, options: TrainOptions): TrainedModel {
  const data = spec.generate(createPrng(spec.seed));
  const train = slice(data.x, data.y, 0, data.validationFrom);
  const validation = slice(data.x, data.y, data.validationFrom, data.testFrom);
  const test = slice(data.x, data.y, data.testFrom, data.x.length);
  const model = spec.fit(train.x, train.y);
  const score = (row: readonly number[]): number => predictLinear(model, row);
  const predicted = test.x.map(score);
  const raw = spec.task === 'regression' ? regressionMetrics(spec, train, test, predicted) : classificationMetrics(spec, train, validation, test, score);
  const metrics: Record<string, number> = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, round6(v)]));
  metrics.rows_train = train.y.length;
  metrics.rows_validation = validation.y.length;
  metrics.rows_test = test.y.length;
  const card: ModelCard = {
    name: spec.name,
    version: options.version,
    stage: stageFor(spec.name, metrics),
    file: `${spec.name}/${options.version}/model.onnx`,
    featureNames: [...data.featureNames],
    outputNames: [spec.outputName],
    metrics,
    trainedAt: options.trainedAt,
    description: spec.description,
  };
  const onnx = linearModelToOnnx({
    graphName: spec.name,
    description: spec.description,
    featureNames: data.featureNames,
    outputName: spec.outputName,
    model,
    metadata: { model_name: spec.name, model_version: options.version, data_seed: String(spec.seed), task: spec.task },
  });
  const n = Math.min(options.sampleCount ?? 32, test.x.length);
  return { card, model, onnx, samples: { rows: test.x.slice(0, n), predictions: predicted.slice(0, n) }, gateFailures: checkGate(spec.name, metrics).failures };
}
