/**
 * What `gofuture train <model>` trains: each model of model-specs.ts with its candidates (seed 001:
 * logistic / linear regression, random forest, gradient boosting; seed 003: gradient boosting for
 * credit), output bounds for the tree regressors, and whether its rows are time-ordered (then the
 * cross-validation folds are too). Credit uses the full UCI-shaped generator (datasets/credit-uci.ts),
 * projected onto the features scoreCredit serves.
 */
import type { CandidateKind } from './candidates.ts';
import { generateUciCredit, uciCreditDataset } from './datasets/credit-uci.ts';
import { TRAINING_SPECS, SURGE_MAX, SURGE_MIN, type TrainingSpec } from './model-specs.ts';
import type { GradientBoostingParams } from './learners/gradient-boosting.ts';
import type { RandomForestParams } from './learners/random-forest.ts';

export interface CandidateSpec extends TrainingSpec {
  /** What the model predicts, without the learner (the registry description adds the chosen one). */
  readonly purpose: string;
  readonly candidates: readonly CandidateKind[];
  /** Regressors: tree outputs clipped into [min, max] (the linear fit has its own activation). */
  readonly bounds?: { readonly min: number; readonly max: number };
  /** Rows are in time order: time-series cross-validation folds. Lake sets (with lineage) always are. */
  readonly timeOrdered: boolean;
  readonly randomForest?: Partial<RandomForestParams>;
  readonly gradientBoosting?: Partial<GradientBoostingParams>;
}

const ALL: readonly CandidateKind[] = ['linear', 'random_forest', 'gradient_boosting'];

function base(name: string): TrainingSpec {
  const s = TRAINING_SPECS.find((t) => t.name === name);
  if (!s) throw new Error(`no training spec ${name}`);
  return s;
}

export const CANDIDATE_SPECS: readonly CandidateSpec[] = [
  {
    ...base('surge_multiplier'),
    purpose: 'Surge pricing multiplier (1.0-3.0) from demand/supply balance, time of day, weekend, weather and recent cancellations',
    candidates: ALL,
    bounds: { min: SURGE_MIN, max: SURGE_MAX },
    timeOrdered: false,
  },
  {
    ...base('fraud_score'),
    purpose: 'Probability that a payment is fraudulent (ground truth of the simulated fraud process) from the seed 001 rule signals; fraud predicted at probability >= threshold (chosen on the validation split)',
    candidates: ALL,
    timeOrdered: false,
  },
  {
    ...base('demand_forecast'),
    purpose: 'Trips in a region in the next hour from the last hour, the same hour yesterday, time of day, weekend and weather (never negative)',
    candidates: ALL,
    bounds: { min: 0, max: 1e9 },
    timeOrdered: true,
  },
  {
    ...base('credit_default'),
    purpose: 'Probability that a credit-card client defaults next month (seed 003, UCI Default of Credit Card Clients schema); default predicted at probability >= threshold (chosen on the validation split)',
    generate: (rng) => uciCreditDataset(generateUciCredit(rng, 30_000)),
    // seed 003: a GradientBoostingClassifier pipeline
    candidates: ['gradient_boosting'],
    timeOrdered: false,
  },
];

export function candidateSpec(name: string): CandidateSpec | undefined {
  return CANDIDATE_SPECS.find((s) => s.name === name);
}
