/**
 * The naive baselines a model must beat on the same held-out test split (issue 9), recorded as the
 * registry version's `baselines`:
 * - classifiers: the majority class (`majority_accuracy`, `majority_f1`), always predicting the
 *   positive class (`baseline_f1`, the name the gates read), the training positive rate as a constant
 *   probability (`prior_log_loss`), and for fraud the seed 001 rules alone (`rules_precision`,
 *   `rules_recall`, `rules_f1`: HIGH or above);
 * - regressors: the training mean (`mean_rmse`, `mean_mae`; `baseline_rmse` is the gates' name for
 *   mean_rmse) and, for demand, persistence: the last hour (`persistence_rmse`, `persistence_mae`).
 * `beatsBaselines` lists every baseline a model's test metrics do not beat (empty: it beats them all).
 */
import { classification, mae, rmse } from './evaluation.ts';

type Rows = readonly (readonly number[])[];

export interface HeldOut {
  readonly x: Rows;
  readonly y: readonly number[];
}

const mean = (v: readonly number[]): number => v.reduce((s, a) => s + a, 0) / Math.max(1, v.length);

/** Mean binary log-loss of probabilities (clipped to [1e-15, 1 - 1e-15] as scikit-learn does). */
export function logLoss(labels: readonly number[], p: readonly number[]): number {
  let s = 0;
  labels.forEach((y, i) => {
    const q = Math.min(1 - 1e-15, Math.max(1e-15, p[i] ?? 0.5));
    s -= y === 1 ? Math.log(q) : Math.log(1 - q);
  });
  return s / Math.max(1, labels.length);
}

export function classificationBaselines(trainY: readonly number[], test: HeldOut, rules?: (row: readonly number[]) => boolean): Record<string, number> {
  const rate = mean(trainY);
  const majority = rate >= 0.5 ? 1 : 0;
  const always = (v: number): number[] => test.y.map(() => v);
  const out: Record<string, number> = {
    majority_accuracy: classification(test.y, always(majority), 0.5).accuracy,
    majority_f1: classification(test.y, always(majority), 0.5).f1,
    baseline_f1: classification(test.y, always(1), 0.5).f1,
    prior_log_loss: logLoss(test.y, always(rate)),
  };
  if (rules) {
    const r = classification(test.y, test.x.map((row) => (rules(row) ? 1 : 0)), 0.5);
    out.rules_precision = r.precision;
    out.rules_recall = r.recall;
    out.rules_f1 = r.f1;
  }
  return out;
}

export function regressionBaselines(trainY: readonly number[], test: HeldOut, persistence?: (row: readonly number[]) => number): Record<string, number> {
  const m = mean(trainY);
  const naive = test.y.map(() => m);
  const out: Record<string, number> = { mean_rmse: rmse(test.y, naive), mean_mae: mae(test.y, naive) };
  out.baseline_rmse = out.mean_rmse as number;
  if (persistence) {
    const p = test.x.map((r) => persistence(r));
    out.persistence_rmse = rmse(test.y, p);
    out.persistence_mae = mae(test.y, p);
  }
  return out;
}

/** Every baseline the test metrics fail to beat (strictly), one line each. */
export function beatsBaselines(task: 'classification' | 'regression', metrics: Readonly<Record<string, number>>, baselines: Readonly<Record<string, number>>): string[] {
  const failures: string[] = [];
  const need = (metric: string, op: '>' | '<', baseline: string): void => {
    const a = metrics[metric];
    const b = baselines[baseline];
    if (b === undefined) return;
    if (a === undefined || !(op === '>' ? a > b : a < b)) failures.push(`${metric} ${a} does not beat ${baseline} ${b}`);
  };
  if (task === 'classification') {
    need('f1', '>', 'majority_f1');
    need('f1', '>', 'baseline_f1');
    need('f1', '>', 'rules_f1');
    need('log_loss', '<', 'prior_log_loss');
  } else {
    need('rmse', '<', 'mean_rmse');
    need('rmse', '<', 'persistence_rmse');
  }
  return failures;
}
