/**
 * What the trainer records on a model card: test-split metrics, the naive baselines beside them
 * (mean / persistence for regressors; majority, always-positive and, for fraud, the seed 001 rules
 * alone for classifiers) and, for classifiers, the decision threshold chosen on the validation split.
 */
import { checkGate, MODEL_GATES } from '../../schema/model-gates.ts';
import { auc, classification, mae, r2, rmse } from './evaluation.ts';
import type { TrainingSpec } from './model-specs.ts';

export interface Split {
  readonly x: readonly (readonly number[])[];
  readonly y: readonly number[];
}

const mean = (v: readonly number[]): number => v.reduce((s, a) => s + a, 0) / Math.max(1, v.length);

export function regressionMetrics(spec: TrainingSpec, train: Split, test: Split, predicted: readonly number[]): Record<string, number> {
  const m = mean(train.y);
  const naive = test.y.map(() => m);
  const out: Record<string, number> = {
    rmse: rmse(test.y, predicted), mae: mae(test.y, predicted), r2: r2(test.y, predicted),
    baseline_rmse: rmse(test.y, naive), baseline_mae: mae(test.y, naive),
  };
  if (spec.persistence) {
    const persistence = spec.persistence;
    out.persistence_rmse = rmse(test.y, test.x.map((r) => persistence(r)));
  }
  return out;
}

/**
 * The threshold of a classifier, from the validation split only: among the candidate thresholds
 * (every 0.01 from 0.05 to 0.95) those whose validation metrics pass the model's gate checks on
 * precision / recall / f1, the one with the best validation F1; if none passes, the best F1.
 */
export function chooseThreshold(name: string, labels: readonly number[], scores: readonly number[]): number {
  let best = { threshold: 0.5, f1: -1, passes: false };
  for (let t = 5; t <= 95; t++) {
    const threshold = t / 100;
    const c = classification(labels, scores, threshold);
    const gate = MODEL_GATES[name];
    const constants = gate ? gate.checks.filter((k) => k.value !== undefined) : [];
    const metrics: Record<string, number> = { precision: c.precision, recall: c.recall, f1: c.f1 };
    const passes = constants.length > 0 && constants.every((k) => (metrics[k.metric] === undefined ? true : k.op === '>=' ? (metrics[k.metric] ?? 0) >= (k.value ?? 0) : (metrics[k.metric] ?? 0) <= (k.value ?? 0)));
    if ((passes && !best.passes) || (passes === best.passes && c.f1 > best.f1)) best = { threshold, f1: c.f1, passes };
  }
  return best.threshold;
}

export function classificationMetrics(spec: TrainingSpec, train: Split, validation: Split, test: Split, score: (row: readonly number[]) => number): Record<string, number> {
  const threshold = spec.threshold ?? chooseThreshold(spec.name, validation.y, validation.x.map(score));
  const predicted = test.x.map(score);
  const c = classification(test.y, predicted, threshold);
  const v = classification(validation.y, validation.x.map(score), threshold);
  const positiveRate = mean(train.y);
  const testPositive = mean(test.y);
  const majority = positiveRate >= 0.5 ? 1 : 0;
  const out: Record<string, number> = {
    auc: auc(test.y, predicted), f1: c.f1, precision: c.precision, recall: c.recall, accuracy: c.accuracy, threshold,
    validation_f1: v.f1, validation_precision: v.precision, validation_recall: v.recall,
    baseline_accuracy: test.y.filter((y) => y === majority).length / Math.max(1, test.y.length),
    // always predicting the positive class: precision = positive share, recall = 1
    baseline_f1: (2 * testPositive) / (1 + testPositive),
    positive_rate: positiveRate,
  };
  if (spec.rules) {
    const rules = spec.rules;
    const r = classification(test.y, test.x.map((row) => (rules(row) ? 1 : 0)), 0.5);
    out.rules_precision = r.precision;
    out.rules_recall = r.recall;
    out.rules_f1 = r.f1;
  }
  return out;
}

/** Production only when the card's test metrics pass the gate; otherwise Staging (a candidate). */
export function stageFor(name: string, metrics: Readonly<Record<string, number>>): 'Production' | 'Staging' {
  return checkGate(name, metrics).passed ? 'Production' : 'Staging';
}
