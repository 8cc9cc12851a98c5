/**
 * Deployment gates: what a model card's held-out test metrics must show before the card may be
 * Production. The trainer stages a card by its gate; the model registry refuses a Production card
 * that fails it (MODEL_GATE_FAILED). Pure data plus a pure check (docs/decisions/0009).
 *
 * A check compares one card metric with a constant (`value`) or with `factor` x another card metric
 * (a baseline recorded on the card by the trainer). Metrics are those of the held-out test split.
 */
export interface GateCheck {
  readonly metric: string;
  readonly op: '>=' | '<=';
  /** A constant bound ... */
  readonly value?: number;
  /** ... or `factor` x this card metric (a baseline). */
  readonly baseline?: string;
  readonly factor?: number;
}

export interface ModelGate {
  /** Where the gate comes from (a seed, or our own choice when no seed states one). */
  readonly source: string;
  readonly checks: readonly GateCheck[];
}

/** Regressors must beat their naive baselines by at least this share of the baseline's error. */
export const REGRESSION_MARGIN = 0.2;

export const MODEL_GATES: Readonly<Record<string, ModelGate>> = {
  fraud_score: {
    source: 'seed 001 deployment criteria (precision >= 0.80, recall >= 0.70, F1 >= 0.75), and at least the F1 of the seed 001 rules alone (HIGH or above) on the same test split',
    checks: [
      { metric: 'precision', op: '>=', value: 0.8 },
      { metric: 'recall', op: '>=', value: 0.7 },
      { metric: 'f1', op: '>=', value: 0.75 },
      { metric: 'f1', op: '>=', baseline: 'rules_f1', factor: 1 },
    ],
  },
  credit_default: {
    source: 'seed 003 states no threshold; ours: AUC >= 0.70 and F1 above the always-default baseline by 10 %',
    checks: [
      { metric: 'auc', op: '>=', value: 0.7 },
      { metric: 'f1', op: '>=', baseline: 'baseline_f1', factor: 1.1 },
    ],
  },
  surge_multiplier: {
    source: `ours: RMSE at least ${REGRESSION_MARGIN * 100} % below the mean predictor's`,
    checks: [{ metric: 'rmse', op: '<=', baseline: 'baseline_rmse', factor: 1 - REGRESSION_MARGIN }],
  },
  demand_forecast: {
    source: `ours: RMSE at least ${REGRESSION_MARGIN * 100} % below the mean predictor's and the persistence forecast's (last hour)`,
    checks: [
      { metric: 'rmse', op: '<=', baseline: 'baseline_rmse', factor: 1 - REGRESSION_MARGIN },
      { metric: 'rmse', op: '<=', baseline: 'persistence_rmse', factor: 1 - REGRESSION_MARGIN },
    ],
  },
};

export interface GateResult {
  readonly passed: boolean;
  /** One line per failed check (a missing metric or a missing gate is a failure too). */
  readonly failures: readonly string[];
}

const round = (v: number): string => String(Math.round(v * 1e6) / 1e6);

/** Checks a card's metrics against the gate of its model; a model without a declared gate fails. */
export function checkGate(name: string, metrics: Readonly<Record<string, number>>, gates: Readonly<Record<string, ModelGate>> = MODEL_GATES): GateResult {
  const gate = gates[name];
  if (!gate) return { passed: false, failures: [`no gate is declared for model ${name}`] };
  const failures: string[] = [];
  for (const c of gate.checks) {
    const actual = metrics[c.metric];
    let bound = c.value;
    let boundText = bound === undefined ? '' : round(bound);
    if (c.baseline !== undefined) {
      const base = metrics[c.baseline];
      if (base === undefined || !Number.isFinite(base)) {
        failures.push(`baseline metric ${c.baseline} is missing`);
        continue;
      }
      bound = base * (c.factor ?? 1);
      boundText = `${c.factor ?? 1} x ${c.baseline} = ${round(bound)}`;
    }
    if (bound === undefined) continue;
    if (actual === undefined || !Number.isFinite(actual)) {
      failures.push(`metric ${c.metric} is missing`);
      continue;
    }
    const ok = c.op === '>=' ? actual >= bound : actual <= bound;
    if (!ok) failures.push(`${c.metric} ${round(actual)} is not ${c.op} ${boundText}`);
  }
  return { passed: failures.length === 0, failures };
}
