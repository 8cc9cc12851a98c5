/**
 * Random forest (Breiman; scikit-learn's RandomForestClassifier / Regressor defaults in spirit):
 * bootstrap samples, a random feature subset per node (sqrt(F) for classifiers, F/3 for regressors),
 * deep trees on binned features. Classifier leaves hold the class-1 share of their bootstrap rows
 * (squared error on 0/1 labels is the Gini criterion up to a constant), regressor leaves the mean;
 * the forest averages them (each leaf stores its value / trees, so the mean is a plain sum). Seeded: the same data and seed give the same forest.
 */
import { createPrng } from '../prng.ts';
import { binMatrix } from './binning.ts';
import { growTree, type Tree } from './tree.ts';
import type { Objective, TreeEnsemble } from './tree-ensemble.ts';

export interface RandomForestParams {
  readonly trees: number;
  readonly maxDepth: number;
  readonly minSamplesLeaf: number;
  /** Features tried per node; default sqrt(F) (binary) or F/3 (regression). */
  readonly maxFeatures?: number;
  readonly maxBins: number;
  readonly seed: number;
}

export const RANDOM_FOREST_DEFAULTS: RandomForestParams = { trees: 60, maxDepth: 10, minSamplesLeaf: 5, maxBins: 128, seed: 7 };

export function fitRandomForest(x: readonly (readonly number[])[], y: readonly number[], objective: Objective, params: Partial<RandomForestParams> = {}, onTree?: (done: number, total: number) => void): TreeEnsemble {
  const p = { ...RANDOM_FOREST_DEFAULTS, ...params };
  const m = binMatrix(x, p.maxBins);
  const n = m.rows;
  const features = m.features;
  const maxFeatures = p.maxFeatures ?? Math.max(1, objective === 'binary' ? Math.round(Math.sqrt(features)) : Math.round(features / 3));
  const rng = createPrng(p.seed);
  const trees: Tree[] = [];
  for (let t = 0; t < p.trees; t++) {
    // bootstrap as multiplicities: n draws with replacement
    const w = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const r = Math.floor(rng.next() * n);
      w[r] = (w[r] as number) + 1;
    }
    let inBag = 0;
    for (let i = 0; i < n; i++) if ((w[i] as number) > 0) inBag++;
    const rows = new Uint32Array(inBag);
    let k = 0;
    for (let i = 0; i < n; i++) if ((w[i] as number) > 0) rows[k++] = i;
    const g = new Float64Array(n);
    for (let i = 0; i < n; i++) g[i] = -(y[i] ?? 0) * (w[i] as number);
    trees.push(growTree(m, rows, { g, h: w, w }, { maxDepth: p.maxDepth, minSamplesLeaf: p.minSamplesLeaf, minChildWeight: 0, lambda: 0, maxFeatures, leafScale: 1 }, rng));
    onTree?.(t + 1, p.trees);
  }
  // the forest's mean as a sum: every leaf holds value / trees (float32), as the ONNX weights do
  const scaled = trees.map((t) => ({ ...t, value: t.value.map((v) => Math.fround(v / trees.length)) }));
  return { kind: 'random_forest', objective, trees: scaled, featureCount: features, base: 0, aggregate: 'sum', postTransform: 'none' };
}
