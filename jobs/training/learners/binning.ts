/**
 * Histogram binning for the tree learners (as LightGBM / scikit-learn's HistGradientBoosting do):
 * every feature is cut at up to `maxBins - 1` quantile points and each value becomes a small bin
 * index, so finding a split is a scan over bins instead of over sorted rows.
 *
 * Values are rounded to float32 first (the ONNX input is float32) and every cut is itself a float32
 * value seen in the data, so the split `bin <= b` is exactly `x <= cut[b]`: the rule the exported
 * TreeEnsemble evaluates (BRANCH_LEQ) on the same float32 input. Training and serving partition
 * rows identically.
 */
export interface BinnedMatrix {
  readonly rows: number;
  readonly features: number;
  /** Per feature: the bin of every row (bin(x) = the first b with x <= cuts[b], else cuts.length). */
  readonly bins: readonly Uint8Array[];
  /** Per feature: ascending float32 cut values; a split after bin b has threshold cuts[b]. */
  readonly cuts: readonly Float32Array[];
}

export const MAX_BINS = 256;

type Rows = readonly (readonly number[])[];

/** Ascending distinct float32 cut points of one column: quantiles of its distinct values. */
export function quantileCuts(column: Float32Array, maxBins: number = MAX_BINS): Float32Array {
  const sorted = Float32Array.from(column).sort();
  const distinct: number[] = [];
  const counts: number[] = [];
  for (const v of sorted) {
    if (distinct.length > 0 && distinct[distinct.length - 1] === v) counts[counts.length - 1] = (counts[counts.length - 1] ?? 0) + 1;
    else {
      distinct.push(v);
      counts.push(1);
    }
  }
  // the last distinct value needs no cut (everything is <= it)
  if (distinct.length <= maxBins) return Float32Array.from(distinct.slice(0, -1));
  const cuts: number[] = [];
  const n = sorted.length;
  let seen = 0;
  let next = 1;
  for (let i = 0; i < distinct.length - 1; i++) {
    seen += counts[i] ?? 0;
    // a cut after value i when the running share passes the next quantile
    if (seen >= (next * n) / maxBins) {
      cuts.push(distinct[i] ?? 0);
      while (seen >= (next * n) / maxBins) next++;
      if (cuts.length === maxBins - 1) break;
    }
  }
  return Float32Array.from(cuts);
}

/** The bin of one float32 value: the first b with x <= cuts[b] (binary search), else cuts.length. */
export function binOf(cuts: Float32Array, x: number): number {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x <= (cuts[mid] ?? 0)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Bins a row-major matrix (cuts from these rows). */
export function binMatrix(x: Rows, maxBins: number = MAX_BINS): BinnedMatrix {
  if (maxBins < 2 || maxBins > 256) throw new Error(`maxBins must be in [2, 256], got ${maxBins}`);
  const rows = x.length;
  const features = x[0]?.length ?? 0;
  const bins: Uint8Array[] = [];
  const cuts: Float32Array[] = [];
  for (let f = 0; f < features; f++) {
    const column = new Float32Array(rows);
    for (let i = 0; i < rows; i++) column[i] = (x[i] as readonly number[])[f] ?? 0;
    const c = quantileCuts(column, maxBins);
    const b = new Uint8Array(rows);
    for (let i = 0; i < rows; i++) b[i] = binOf(c, column[i] ?? 0);
    bins.push(b);
    cuts.push(c);
  }
  return { rows, features, bins, cuts };
}
