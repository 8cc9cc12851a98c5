/**
 * Evidently's `get_binned_data`: the shares of reference and current in common buckets. A numerical
 * column with more than 20 distinct reference values is cut into numpy's `sturges` histogram bins
 * over both samples together; any other column is bucketed by value. With `fillZeroes` an empty
 * bucket gets a tiny share (PSI takes logs of shares) exactly as Evidently does.
 */
export type Value = number | string;

export interface Binned {
  readonly reference: number[];
  readonly current: number[];
}

/** numpy.histogram_bin_edges(values, bins='sturges'). */
export function sturgesEdges(values: readonly number[]): number[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === hi) return [lo - 0.5, hi + 0.5];
  const width = (hi - lo) / (Math.log2(values.length) + 1);
  const bins = Math.max(1, Math.ceil((hi - lo) / width));
  const step = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, k) => lo + k * step);
  edges[bins] = hi;
  return edges;
}

/** numpy.histogram counts: bins [e_k, e_k+1), the last one closed; values outside are not counted. */
export function histogram(values: readonly number[], edges: readonly number[]): number[] {
  const bins = edges.length - 1;
  const counts = new Array<number>(bins).fill(0);
  const lo = edges[0] as number;
  const hi = edges[bins] as number;
  for (const v of values) {
    if (v < lo || v > hi) continue;
    let k = v === hi ? bins - 1 : Math.min(bins - 1, Math.floor(((v - lo) / (hi - lo)) * bins));
    while (k > 0 && v < (edges[k] as number)) k--;
    while (k < bins - 1 && v >= (edges[k + 1] as number)) k++;
    counts[k] = (counts[k] as number) + 1;
  }
  return counts;
}

export function distinctCount(values: readonly Value[]): number {
  return new Set(values).size;
}

function valueCounts(values: readonly Value[]): Map<Value, number> {
  const m = new Map<Value, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}

/** Counts of each value of the union of both samples' values (in first-seen order). */
export function countsByValue(reference: readonly Value[], current: readonly Value[]): { keys: Value[]; reference: number[]; current: number[] } {
  const r = valueCounts(reference);
  const c = valueCounts(current);
  const keys = [...new Set<Value>([...r.keys(), ...c.keys()])];
  return { keys, reference: keys.map((k) => r.get(k) ?? 0), current: keys.map((k) => c.get(k) ?? 0) };
}

function fill(shares: number[]): number[] {
  const nonZero = shares.filter((s) => s !== 0);
  if (nonZero.length === 0) return shares;
  const min = Math.min(...nonZero);
  const tiny = min <= 0.0001 ? min / 1e6 : 0.0001;
  return shares.map((s) => (s === 0 ? tiny : s));
}

export function binnedShares(reference: readonly Value[], current: readonly Value[], numerical: boolean, fillZeroes: boolean): Binned {
  let ref: number[];
  let cur: number[];
  if (numerical && distinctCount(reference) > 20) {
    const r = reference as readonly number[];
    const c = current as readonly number[];
    const edges = sturgesEdges([...r, ...c]);
    ref = histogram(r, edges).map((n) => n / r.length);
    cur = histogram(c, edges).map((n) => n / c.length);
  } else {
    const counts = countsByValue(reference, current);
    ref = counts.reference.map((n) => n / reference.length);
    cur = counts.current.map((n) => n / current.length);
  }
  return fillZeroes ? { reference: fill(ref), current: fill(cur) } : { reference: ref, current: cur };
}

/** Population Stability Index over the binned shares (Evidently's `psi`, 30 bins requested, numpy's sturges edges used). */
export function psi(reference: readonly Value[], current: readonly Value[], numerical: boolean): number {
  const b = binnedShares(reference, current, numerical, true);
  let total = 0;
  for (let k = 0; k < b.reference.length; k++) {
    const r = b.reference[k] as number;
    const c = b.current[k] as number;
    total += (r - c) * Math.log(r / c);
  }
  return total;
}
