/**
 * k-fold cross-validation of the candidates on the development rows (train + validation; the test
 * split is never seen). Independent rows: k shuffled folds (seeded, scikit-learn's KFold(shuffle)).
 * Time-ordered rows (lake sets in label-time order, demand's hourly series): forward chaining as
 * scikit-learn's TimeSeriesSplit, k + 1 consecutive blocks, fold i trains on blocks 0..i and
 * validates on block i + 1, so no fold learns from its future.
 *
 * Score per fold: classifiers F1 at the threshold chosen on that fold's validation rows (the same
 * rule as the final model's, model-evaluation.ts), regressors RMSE. Best: highest mean F1 / lowest
 * mean RMSE; ties go to the simpler candidate (listed first).
 */
import { chooseThreshold } from './model-evaluation.ts';
import { classification, rmse } from './evaluation.ts';
import { createPrng } from './prng.ts';
import type { CandidateKind, FittedCandidate, Rows } from './candidates.ts';
import type { Task } from './model-specs.ts';

export interface Fold {
  readonly train: readonly number[];
  readonly validate: readonly number[];
}

export type CvStrategy = 'k-fold' | 'time-series';

export function shuffledFolds(n: number, k: number, seed: number): Fold[] {
  if (k < 2 || k > n) throw new Error(`cross-validation needs 2 <= folds <= rows, got ${k} folds for ${n} rows`);
  const order = Array.from({ length: n }, (_, i) => i);
  const rng = createPrng(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return Array.from({ length: k }, (_, f) => {
    const from = Math.floor((f * n) / k);
    const to = Math.floor(((f + 1) * n) / k);
    const validate = order.slice(from, to).sort((a, b) => a - b);
    const train = [...order.slice(0, from), ...order.slice(to)].sort((a, b) => a - b);
    return { train, validate };
  });
}

export function timeSeriesFolds(n: number, k: number): Fold[] {
  if (k < 2 || k + 1 > n) throw new Error(`time-series cross-validation needs 2 <= folds < rows, got ${k} folds for ${n} rows`);
  const block = (b: number): number => Math.floor((b * n) / (k + 1));
  return Array.from({ length: k }, (_, f) => ({
    train: Array.from({ length: block(f + 1) }, (_, i) => i),
    validate: Array.from({ length: block(f + 2) - block(f + 1) }, (_, i) => block(f + 1) + i),
  }));
}

export interface CvResult {
  readonly kind: CandidateKind;
  /** `f1` (classifiers, higher is better) or `rmse` (regressors, lower is better). */
  readonly metric: 'f1' | 'rmse';
  readonly scores: readonly number[];
  readonly mean: number;
  readonly std: number;
}

export interface CvInput {
  readonly name: string;
  readonly task: Task;
  readonly x: Rows;
  readonly y: readonly number[];
  readonly folds: readonly Fold[];
}

const pick = <T>(a: readonly T[], idx: readonly number[]): T[] => idx.map((i) => a[i] as T);

/** Scores one candidate kind over the folds; `fit` trains it on a fold's training rows. */
export function crossValidate(kind: CandidateKind, input: CvInput, fit: (x: Rows, y: readonly number[], fold: number) => FittedCandidate): CvResult {
  const scores = input.folds.map((fold, f) => {
    const model = fit(pick(input.x, fold.train), pick(input.y, fold.train), f);
    const vx = pick(input.x, fold.validate);
    const vy = pick(input.y, fold.validate);
    const predicted = vx.map((r) => model.predict(r));
    if (input.task === 'regression') return rmse(vy, predicted);
    return classification(vy, predicted, chooseThreshold(input.name, vy, predicted)).f1;
  });
  const mean = scores.reduce((s, v) => s + v, 0) / scores.length;
  const std = Math.sqrt(scores.reduce((s, v) => s + (v - mean) ** 2, 0) / scores.length);
  return { kind, metric: input.task === 'regression' ? 'rmse' : 'f1', scores, mean, std };
}

/** The best result: highest mean F1 or lowest mean RMSE; the earlier (simpler) candidate on a tie. */
export function bestOf(results: readonly CvResult[]): CvResult {
  let best = results[0];
  if (!best) throw new Error('no candidate was cross-validated');
  for (const r of results.slice(1)) {
    const better = r.metric === 'f1' ? r.mean > best.mean : r.mean < best.mean;
    if (better) best = r;
  }
  return best;
}
