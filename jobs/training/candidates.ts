/**
 * The candidate learners of seed 001 behind one shape: `linear` (logistic regression for
 * classifiers, least squares for regressors: linear-models.ts), `random_forest` and
 * `gradient_boosting` (learners/*). A fitted candidate predicts exactly what its ONNX export
 * computes, and says its flavor and hyperparameters for the registry.
 */
import { predictLinear, type LinearModel } from './linear-models.ts';
import { fitGradientBoosting, GRADIENT_BOOSTING_DEFAULTS, type GradientBoostingParams } from './learners/gradient-boosting.ts';
import { fitRandomForest, RANDOM_FOREST_DEFAULTS, type RandomForestParams } from './learners/random-forest.ts';
import { nodeCount, predictEnsemble, type TreeEnsemble } from './learners/tree-ensemble.ts';
import type { Task } from './model-specs.ts';
import { linearModelToOnnx } from './onnx-writer.ts';
import { treeEnsembleToOnnx } from './onnx-tree-writer.ts';

export const CANDIDATE_KINDS = ['linear', 'random_forest', 'gradient_boosting'] as const;
export type CandidateKind = (typeof CANDIDATE_KINDS)[number];

/** Accepted spellings on the command line (scikit-learn's names too). */
const ALIASES: Readonly<Record<string, CandidateKind>> = {
  linear: 'linear', logistic_regression: 'linear', linear_regression: 'linear', lr: 'linear',
  random_forest: 'random_forest', rf: 'random_forest',
  gradient_boosting: 'gradient_boosting', gbdt: 'gradient_boosting', gbm: 'gradient_boosting',
};

export function parseCandidateKind(name: string): CandidateKind | undefined {
  return ALIASES[name.trim().toLowerCase().replaceAll('-', '_')];
}

export type Rows = readonly (readonly number[])[];
export type Params = Readonly<Record<string, string | number | boolean>>;

export interface CandidateConfig {
  readonly task: Task;
  /** The linear fit of the model (its activation: sigmoid, clip, relu). */
  readonly fitLinear: (x: Rows, y: readonly number[]) => LinearModel;
  /** Regressors: tree outputs are clipped into these bounds (the linear fit has its own activation). */
  readonly bounds?: { readonly min: number; readonly max: number };
  readonly randomForest?: Partial<RandomForestParams>;
  readonly gradientBoosting?: Partial<GradientBoostingParams>;
  /** Called as trees are added (done, total). */
  readonly onStep?: (done: number, total: number) => void;
}

export interface OnnxMeta {
  readonly graphName: string;
  readonly description: string;
  readonly featureNames: readonly string[];
  readonly outputName: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface FittedCandidate {
  readonly kind: CandidateKind;
  /** The registry's flavor: logistic_regression, linear_regression, random_forest, gradient_boosting. */
  readonly flavor: string;
  readonly params: Params;
  predict(row: readonly number[]): number;
  toOnnx(meta: OnnxMeta): Uint8Array;
}

const clampTo = (b: CandidateConfig['bounds'], v: number): number => (b ? Math.min(Math.fround(b.max), Math.max(Math.fround(b.min), v)) : v);

function ensembleCandidate(kind: 'random_forest' | 'gradient_boosting', model: TreeEnsemble, c: CandidateConfig, params: Params): FittedCandidate {
  const bounds = c.task === 'regression' ? c.bounds : undefined;
  return {
    kind,
    flavor: kind,
    params: { ...params, trees: model.trees.length, nodes: nodeCount(model) },
    predict: (row) => clampTo(bounds, predictEnsemble(model, row)),
    toOnnx: (meta) => treeEnsembleToOnnx({ ...meta, model, ...(bounds ? { bounds } : {}) }),
  };
}

const snake = (p: object): Params => Object.fromEntries(Object.entries(p).map(([k, v]) => [k.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`), v as number]));

export function fitCandidate(kind: CandidateKind, x: Rows, y: readonly number[], c: CandidateConfig): FittedCandidate {
  const objective = c.task === 'classification' ? 'binary' : 'regression';
  switch (kind) {
    case 'linear': {
      const model = c.fitLinear(x, y);
      c.onStep?.(1, 1);
      return {
        kind,
        flavor: c.task === 'classification' ? 'logistic_regression' : 'linear_regression',
        params: { activation: model.activation, ...(c.task === 'classification' ? { l2: 1e-3 } : {}) },
        predict: (row) => predictLinear(model, row),
        toOnnx: (meta) => linearModelToOnnx({ ...meta, model }),
      };
    }
    case 'random_forest': {
      const params = { ...RANDOM_FOREST_DEFAULTS, ...c.randomForest };
      return ensembleCandidate(kind, fitRandomForest(x, y, objective, params, c.onStep), c, snake(params));
    }
    case 'gradient_boosting': {
      const params = { ...GRADIENT_BOOSTING_DEFAULTS, ...c.gradientBoosting };
      return ensembleCandidate(kind, fitGradientBoosting(x, y, objective, params, c.onStep), c, { ...snake(params), loss: objective === 'binary' ? 'log_loss' : 'squared_error' });
    }
  }
}
