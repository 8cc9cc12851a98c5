/**
 * A fitted tree ensemble (random forest or gradient boosting) and its prediction, computed the way
 * onnxruntime's TreeEnsembleClassifier / TreeEnsembleRegressor do on float32: leaf values summed
 * in float32 in tree order, plus the base score (0 for a forest, whose leaves hold value / trees), then the
 * logistic transform for boosted classifiers.
 */
import type { Tree } from './tree.ts';

export type Objective = 'binary' | 'regression';

export interface TreeEnsemble {
  readonly kind: 'random_forest' | 'gradient_boosting';
  readonly objective: Objective;
  readonly trees: readonly Tree[];
  readonly featureCount: number;
  /** Boosting's initial score (log-odds of the positive rate, or the target mean); 0 for a forest. */
  readonly base: number;
  /** Always `sum`: a forest's leaves already hold value / trees, so its mean is their sum. */
  readonly aggregate: 'sum';
  /** `logistic` for boosted classifiers (raw score -> probability). */
  readonly postTransform: 'none' | 'logistic';
}

export const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

function leafValue(t: Tree, row: readonly number[]): number {
  let n = 0;
  for (;;) {
    const f = t.feature[n] as number;
    if (f < 0) return t.value[n] as number;
    n = Math.fround(row[f] ?? 0) <= (t.threshold[n] as number) ? (t.left[n] as number) : (t.right[n] as number);
  }
}

/** Raw score before the post transform. */
export function ensembleScore(e: TreeEnsemble, row: readonly number[]): number {
  let s = 0;
  for (const t of e.trees) s = Math.fround(s + leafValue(t, row));
  return Math.fround(s + Math.fround(e.base));
}

/** The ensemble's output for one raw row: a probability (binary) or the regression value. */
export function predictEnsemble(e: TreeEnsemble, row: readonly number[]): number {
  const s = ensembleScore(e, row);
  return e.postTransform === 'logistic' ? sigmoid(s) : s;
}

export function nodeCount(e: TreeEnsemble): number {
  return e.trees.reduce((n, t) => n + t.feature.length, 0);
}
