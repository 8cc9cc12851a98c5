/**
 * One regression tree grown on histograms of gradients and hessians: the shared core of the random
 * forest (gradient -y, hessian 1: variance / Gini reduction, leaves are means) and of gradient
 * boosting (log-loss or squared-error gradients, Newton leaves). Depth-first, exact over bins,
 * seeded feature subsampling. A node splits on `x <= threshold` (threshold a float32 cut value),
 * the rule ONNX's BRANCH_LEQ applies to the float32 input.
 */
import type { Prng } from '../prng.ts';
import type { BinnedMatrix } from './binning.ts';

/** Flat arrays, node 0 the root; `feature[i] === -1` marks a leaf. */
export interface Tree {
  readonly feature: Int32Array;
  readonly threshold: Float32Array;
  /** Child taken when x <= threshold / otherwise. */
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** Leaf output (float32); 0 on internal nodes. */
  readonly value: Float32Array;
}

export interface TreeOptions {
  readonly maxDepth: number;
  readonly minSamplesLeaf: number;
  /** Minimum hessian sum of a child (boosting). */
  readonly minChildWeight: number;
  /** L2 on leaf values (boosting); 0 for the forest. */
  readonly lambda: number;
  /** Features tried per node (all when >= feature count). */
  readonly maxFeatures: number;
  /** Multiplies every leaf value (the boosting learning rate; 1 for the forest). */
  readonly leafScale: number;
}

export interface GradientSet {
  readonly g: Float64Array;
  readonly h: Float64Array;
  /** Row weight counted towards minSamplesLeaf (bootstrap multiplicity; 1 otherwise). */
  readonly w: Float64Array;
}

interface Split {
  feature: number;
  bin: number;
  gain: number;
}

interface Builder {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  value: number[];
}

function sums(rows: Uint32Array, gs: GradientSet): { g: number; h: number; w: number } {
  let g = 0;
  let h = 0;
  let w = 0;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as number;
    g += gs.g[r] as number;
    h += gs.h[r] as number;
    w += gs.w[r] as number;
  }
  return { g, h, w };
}

function candidateFeatures(count: number, maxFeatures: number, rng: Prng): number[] {
  const all = Array.from({ length: count }, (_, i) => i);
  if (maxFeatures >= count) return all;
  for (let i = 0; i < maxFeatures; i++) {
    const j = i + Math.floor(rng.next() * (count - i));
    [all[i], all[j]] = [all[j] as number, all[i] as number];
  }
  return all.slice(0, maxFeatures).sort((a, b) => a - b);
}

/** Sums of g, h and w per (feature, bin) of one node's rows: index f * 256 + bin. */
interface Histogram {
  readonly g: Float64Array;
  readonly h: Float64Array;
  readonly w: Float64Array;
}

function buildHistogram(m: BinnedMatrix, rows: Uint32Array, gs: GradientSet, features: readonly number[]): Histogram {
  const hist = { g: new Float64Array(m.features * 256), h: new Float64Array(m.features * 256), w: new Float64Array(m.features * 256) };
  for (const f of features) {
    const bins = m.bins[f] as Uint8Array;
    const off = f * 256;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i] as number;
      const b = off + (bins[r] as number);
      hist.g[b] = (hist.g[b] as number) + (gs.g[r] as number);
      hist.h[b] = (hist.h[b] as number) + (gs.h[r] as number);
      hist.w[b] = (hist.w[b] as number) + (gs.w[r] as number);
    }
  }
  return hist;
}

/** The sibling's histogram: parent minus the child's (LightGBM's subtraction trick). */
function subtract(parent: Histogram, child: Histogram): Histogram {
  const minus = (a: Float64Array, b: Float64Array): Float64Array => a.map((v, i) => v - (b[i] as number));
  return { g: minus(parent.g, child.g), h: minus(parent.h, child.h), w: minus(parent.w, child.w) };
}

function bestSplit(m: BinnedMatrix, hist: Histogram, features: readonly number[], total: { g: number; h: number; w: number }, o: TreeOptions): Split | undefined {
  const parent = (total.g * total.g) / (total.h + o.lambda);
  let best: Split | undefined;
  for (const f of features) {
    const cuts = m.cuts[f] as Float32Array;
    const off = f * 256;
    let gl = 0;
    let hl = 0;
    let wl = 0;
    for (let b = 0; b < cuts.length; b++) {
      gl += hist.g[off + b] as number;
      hl += hist.h[off + b] as number;
      wl += hist.w[off + b] as number;
      const wr = total.w - wl;
      if (wl < o.minSamplesLeaf) continue;
      if (wr < o.minSamplesLeaf) break;
      const hr = total.h - hl;
      if (hl < o.minChildWeight || hr < o.minChildWeight) continue;
      const gr = total.g - gl;
      const gain = (gl * gl) / (hl + o.lambda) + (gr * gr) / (hr + o.lambda) - parent;
      if (gain > 1e-12 && (!best || gain > best.gain)) best = { feature: f, bin: b, gain };
    }
  }
  return best;
}

/** Told the rows of every leaf and its value (boosting updates its training predictions so). */
export type LeafVisitor = (rows: Uint32Array, value: number) => void;

function grow(m: BinnedMatrix, rows: Uint32Array, gs: GradientSet, depth: number, o: TreeOptions, rng: Prng, t: Builder, visit?: LeafVisitor, given?: Histogram): number {
  const id = t.feature.length;
  const total = sums(rows, gs);
  t.feature.push(-1);
  t.threshold.push(0);
  t.left.push(-1);
  t.right.push(-1);
  t.value.push(Math.fround((-total.g / (total.h + o.lambda)) * o.leafScale));
  const leaf = (): number => {
    visit?.(rows, t.value[id] as number);
    return id;
  };
  if (depth >= o.maxDepth || total.w < 2 * o.minSamplesLeaf) return leaf();
  // with every feature tried (boosting) a node's histogram comes from its parent: built for the
  // smaller child, subtracted for the larger; a forest draws features per node and builds its own
  const every = o.maxFeatures >= m.features;
  const features = candidateFeatures(m.features, o.maxFeatures, rng);
  const hist = given ?? buildHistogram(m, rows, gs, features);
  const split = bestSplit(m, hist, features, total, o);
  if (!split) return leaf();
  const bins = m.bins[split.feature] as Uint8Array;
  let nl = 0;
  for (let i = 0; i < rows.length; i++) if ((bins[rows[i] as number] as number) <= split.bin) nl++;
  const lRows = new Uint32Array(nl);
  const rRows = new Uint32Array(rows.length - nl);
  let li = 0;
  let ri = 0;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as number;
    if ((bins[r] as number) <= split.bin) lRows[li++] = r;
    else rRows[ri++] = r;
  }
  t.feature[id] = split.feature;
  t.threshold[id] = (m.cuts[split.feature] as Float32Array)[split.bin] ?? 0;
  t.value[id] = 0;
  let lHist: Histogram | undefined;
  let rHist: Histogram | undefined;
  if (every && depth + 1 < o.maxDepth) {
    const leftSmaller = lRows.length <= rRows.length;
    const small = buildHistogram(m, leftSmaller ? lRows : rRows, gs, features);
    const large = subtract(hist, small);
    [lHist, rHist] = leftSmaller ? [small, large] : [large, small];
  }
  t.left[id] = grow(m, lRows, gs, depth + 1, o, rng, t, visit, lHist);
  t.right[id] = grow(m, rRows, gs, depth + 1, o, rng, t, visit, rHist);
  return id;
}

/** Grows one tree on the given rows (indices into the binned matrix). */
export function growTree(m: BinnedMatrix, rows: Uint32Array, gs: GradientSet, o: TreeOptions, rng: Prng, visit?: LeafVisitor): Tree {
  const t: Builder = { feature: [], threshold: [], left: [], right: [], value: [] };
  grow(m, rows, gs, 0, o, rng, t, visit);
  return {
    feature: Int32Array.from(t.feature),
    threshold: Float32Array.from(t.threshold),
    left: Int32Array.from(t.left),
    right: Int32Array.from(t.right),
    value: Float32Array.from(t.value),
  };
}

/** The leaf value of one row: float32 input against float32 thresholds, as onnxruntime compares. */
export function predictTree(t: Tree, row: readonly number[]): number {
  let n = 0;
  for (;;) {
    const f = t.feature[n] as number;
    if (f < 0) return t.value[n] as number;
    n = Math.fround(row[f] ?? 0) <= (t.threshold[n] as number) ? (t.left[n] as number) : (t.right[n] as number);
  }
}
