/**
 * Gradient-boosted trees (Friedman; the histogram variant of LightGBM / scikit-learn's
 * HistGradientBoosting): classifier with log-loss (raw log-odds, sigmoid output), regressor with
 * squared error. Each round fits a depth-limited tree to the gradients with Newton leaf values
 * -G / (H + lambda), shrunk by the learning rate, optionally on a seeded row subsample.
 */
import { createPrng } from '../prng.ts';
import { binMatrix } from './binning.ts';
import { growTree, type Tree } from './tree.ts';
import { sigmoid, type Objective, type TreeEnsemble } from './tree-ensemble.ts';

export interface GradientBoostingParams {
  readonly rounds: number;
  readonly learningRate: number;
  readonly maxDepth: number;
  readonly minSamplesLeaf: number;
  readonly lambda: number;
  /** Share of rows each round sees (1 = all). */
  readonly subsample: number;
  readonly maxBins: number;
  readonly seed: number;
}

export const GRADIENT_BOOSTING_DEFAULTS: GradientBoostingParams = { rounds: 120, learningRate: 0.1, maxDepth: 4, minSamplesLeaf: 20, lambda: 1, subsample: 1, maxBins: 256, seed: 11 };

export function fitGradientBoosting(x: readonly (readonly number[])[], y: readonly number[], objective: Objective, params: Partial<GradientBoostingParams> = {}, onRound?: (done: number, total: number) => void): TreeEnsemble {
  const p = { ...GRADIENT_BOOSTING_DEFAULTS, ...params };
  const m = binMatrix(x, p.maxBins);
  const n = m.rows;
  const mean = y.reduce((s, v) => s + v, 0) / Math.max(1, n);
  const rate = Math.min(1 - 1e-6, Math.max(1e-6, mean));
  const base = Math.fround(objective === 'binary' ? Math.log(rate / (1 - rate)) : mean);
  // raw scores of the training rows, accumulated in float32 like the exported model
  const score = new Float64Array(n).fill(0);
  const g = new Float64Array(n);
  const h = new Float64Array(n);
  const w = new Float64Array(n).fill(1);
  const rng = createPrng(p.seed);
  const trees: Tree[] = [];
  const all = Uint32Array.from({ length: n }, (_, i) => i);
  for (let t = 0; t < p.rounds; t++) {
    for (let i = 0; i < n; i++) {
      const raw = Math.fround((score[i] as number) + base);
      if (objective === 'binary') {
        const q = sigmoid(raw);
        g[i] = q - (y[i] ?? 0);
        h[i] = Math.max(q * (1 - q), 1e-12);
      } else {
        g[i] = raw - (y[i] ?? 0);
        h[i] = 1;
      }
    }
    let rows = all;
    if (p.subsample < 1) {
      const picked: number[] = [];
      for (let i = 0; i < n; i++) if (rng.next() < p.subsample) picked.push(i);
      rows = Uint32Array.from(picked);
    }
    // rows in the tree move by their leaf as the grower reports it; with a subsample the others
    // are walked down the finished tree
    const visit = (leafRows: Uint32Array, value: number): void => {
      for (let j = 0; j < leafRows.length; j++) {
        const r = leafRows[j] as number;
        score[r] = Math.fround((score[r] as number) + value);
      }
    };
    const tree = growTree(m, rows, { g, h, w }, { maxDepth: p.maxDepth, minSamplesLeaf: p.minSamplesLeaf, minChildWeight: 1e-3, lambda: p.lambda, maxFeatures: m.features, leafScale: p.learningRate }, rng, visit);
    if (rows !== all) {
      const inTree = new Uint8Array(n);
      for (let j = 0; j < rows.length; j++) inTree[rows[j] as number] = 1;
      const nodeBin = Int32Array.from(tree.feature, (f, k) => (f < 0 ? 0 : binIndex(m.cuts[f] as Float32Array, tree.threshold[k] as number)));
      for (let i = 0; i < n; i++) {
        if (inTree[i] === 1) continue;
        let k = 0;
        for (;;) {
          const f = tree.feature[k] as number;
          if (f < 0) break;
          k = ((m.bins[f] as Uint8Array)[i] as number) <= (nodeBin[k] as number) ? (tree.left[k] as number) : (tree.right[k] as number);
        }
        score[i] = Math.fround((score[i] as number) + (tree.value[k] as number));
      }
    }
    trees.push(tree);
    onRound?.(t + 1, p.rounds);
  }
  return { kind: 'gradient_boosting', objective, trees, featureCount: m.features, base, aggregate: 'sum', postTransform: objective === 'binary' ? 'logistic' : 'none' };
}

/** The bin whose cut is `threshold` (thresholds are always cut values). */
function binIndex(cuts: Float32Array, threshold: number): number {
  let lo = 0;
  let hi = cuts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((cuts[mid] as number) < threshold) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
