/** The four initial models: what each predicts, from which synthetic data, with which fit. */
import { creditDataset } from './datasets/credit.ts';
import type { Dataset } from './datasets/dataset.ts';
import { demandDataset } from './datasets/demand.ts';
import { fraudDataset, rulesFlag } from './datasets/fraud.ts';
import { surgeDataset } from './datasets/surge.ts';
import { fitLeastSquares, fitLogistic, type LinearModel } from './linear-models.ts';
import type { Prng } from './prng.ts';

export type Task = 'regression' | 'classification';

export interface TrainingSpec {
  readonly name: string;
  readonly description: string;
  readonly task: Task;
  readonly outputName: string;
  /** PRNG seed of the synthetic data. */
  readonly seed: number;
  readonly generate: (rng: Prng) => Dataset;
  readonly fit: (x: readonly (readonly number[])[], y: readonly number[]) => LinearModel;
  /** Classifiers: a fixed decision threshold; without one it is chosen on the validation split. */
  readonly threshold?: number;
  /** Regressors: the persistence forecast of a row (recorded as persistence_rmse). */
  readonly persistence?: (row: readonly number[]) => number;
  /** Classifiers: a rule-based detector to compare with (recorded as rules_precision / rules_recall / rules_f1). */
  readonly rules?: (row: readonly number[]) => boolean;
}

export const SURGE_MIN = 1;
export const SURGE_MAX = 3;

export const TRAINING_SPECS: readonly TrainingSpec[] = [
  {
    name: 'surge_multiplier',
    description: 'Surge pricing multiplier (1.0-3.0) from demand/supply balance, time of day, weekend, weather and recent cancellations. Linear least squares, output clipped to [1, 3].',
    task: 'regression',
    outputName: 'multiplier',
    seed: 1001,
    generate: (rng) => surgeDataset(rng, 24_000),
    fit: (x, y) => fitLeastSquares(x, y, 'clip', { min: SURGE_MIN, max: SURGE_MAX }),
  },
  {
    name: 'fraud_score',
    description: 'Probability that a payment is fraudulent (ground truth of the simulated fraud process, schema/fraud-patterns.ts) from the seed 001 rule signals: amount, method, known fraud flag, late night, weekend, high-risk region, velocity. Logistic regression; fraud predicted at probability >= threshold (chosen on the validation split).',
    task: 'classification',
    outputName: 'probability',
    seed: 1002,
    generate: (rng) => fraudDataset(rng, 100_000),
    rules: rulesFlag,
    fit: (x, y) => fitLogistic(x, y),
  },
  {
    name: 'demand_forecast',
    description: 'Trips in a region in the next hour from the last hour, the same hour yesterday, time of day, weekend and weather. Linear least squares, output through Relu (never negative).',
    task: 'regression',
    outputName: 'trips_next_hour',
    seed: 1003,
    generate: (rng) => demandDataset(rng, 90),
    persistence: (row) => row[0] ?? 0,
    fit: (x, y) => fitLeastSquares(x, y, 'relu'),
  },
  {
    name: 'credit_default',
    description: 'Probability that a credit-card client defaults next month (seed 003, UCI credit-card shaped features). Logistic regression; default predicted at probability >= threshold (chosen on the validation split).',
    task: 'classification',
    outputName: 'probability',
    seed: 1004,
    generate: (rng) => creditDataset(rng, 30_000),
    fit: (x, y) => fitLogistic(x, y),
  },
];
