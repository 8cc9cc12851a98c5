/**
 * Trains one model from its spec: synthetic data, fit on the training split, metrics on the
 * held-out split (with a naive baseline beside them), ONNX bytes and sample predictions.
 */
import type { ModelCard } from '../../connectors/contracts/model-runtime.ts';
import { auc, classification, mae, r2, rmse } from './evaluation.ts';
import { predictLinear, type LinearModel } from './linear-models.ts';
import type { TrainingSpec } from './model-specs.ts';
import { linearModelToOnnx } from './onnx-writer.ts';
import { createPrng } from './prng.ts';

export interface TrainedModel {
  readonly card: ModelCard;
  readonly model: LinearModel;
  readonly onnx: Uint8Array;
  /** Held-out rows and the model's training-time predictions for them (to check the ONNX file against). */
  readonly samples: { readonly rows: readonly (readonly number[])[]; readonly predictions: readonly number[] };
}

export interface TrainOptions {
  readonly version: string;
  readonly trainedAt: string;
  readonly sampleCount?: number;
}

const round6 = (v: number): number => Math.round(v * 1e6) / 1e6;

function evaluate(spec: TrainingSpec, trainY: readonly number[], testY: readonly number[], predicted: readonly number[]): Record<string, number> {
  if (spec.task === 'regression') {
    const mean = trainY.reduce((s, v) => s + v, 0) / Math.max(1, trainY.length);
    const naive = testY.map(() => mean);
    return { rmse: rmse(testY, predicted), mae: mae(testY, predicted), r2: r2(testY, predicted), baseline_rmse: rmse(testY, naive), baseline_mae: mae(testY, naive) };
  }
  const threshold = spec.threshold ?? 0.5;
  const c = classification(testY, predicted, threshold);
  const positiveRate = trainY.reduce((s, v) => s + v, 0) / Math.max(1, trainY.length);
  const majority = positiveRate >= 0.5 ? 1 : 0;
  const baselineAccuracy = testY.filter((v) => v === majority).length / Math.max(1, testY.length);
  return { auc: auc(testY, predicted), f1: c.f1, precision: c.precision, recall: c.recall, accuracy: c.accuracy, baseline_accuracy: baselineAccuracy, positive_rate: positiveRate, threshold };
}

export function trainModel(spec: TrainingSpec, options: TrainOptions): TrainedModel {
  const data = spec.generate(createPrng(spec.seed));
  const trainX = data.x.slice(0, data.testFrom);
  const trainY = data.y.slice(0, data.testFrom);
  const testX = data.x.slice(data.testFrom);
  const testY = data.y.slice(data.testFrom);
  const model = spec.fit(trainX, trainY);
  const predicted = testX.map((row) => predictLinear(model, row));
  const metrics = Object.fromEntries(Object.entries(evaluate(spec, trainY, testY, predicted)).map(([k, v]) => [k, round6(v)]));
  const card: ModelCard = {
    name: spec.name,
    version: options.version,
    stage: 'Production',
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
  const n = Math.min(options.sampleCount ?? 32, testX.length);
  return { card, model, onnx, samples: { rows: testX.slice(0, n), predictions: predicted.slice(0, n) } };
}
