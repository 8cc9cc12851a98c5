/**
 * The statistics of Evidently's default drift tests, computed as scipy computes them:
 * two-sample Kolmogorov-Smirnov (scipy.stats.ks_2samp, two-sided, exact p-value), the 1-D
 * Wasserstein distance (scipy.stats.wasserstein_distance), Pearson's chi-square goodness of fit
 * (scipy.stats.chisquare), the Jensen-Shannon distance (scipy.spatial.distance.jensenshannon) and
 * the two-proportion z-test. Pure functions over plain arrays; no NaN in the inputs (callers drop
 * missing values first, as Evidently does).
 */
import { chiSquareSf, kolmogorovSf, normalSf } from './distributions.ts';

export interface TestResult {
  readonly statistic: number;
  readonly pValue: number;
}

/** A sorted copy (typed-array sort: numeric, and far faster than Array#sort with a comparator). */
const sorted = (xs: readonly number[]): Float64Array => Float64Array.from(xs).sort();

/** Above this many lattice cells the KS p-value is the asymptotic one (Kolmogorov's distribution). */
export const KS_EXACT_MAX_CELLS = 2e7;

/**
 * Two-sample KS, two-sided. D = sup |F_ref - F_cur|; p = P(D' >= D) for two samples of these sizes
 * from one continuous distribution, computed exactly by walking the (n1 x n2) lattice of merged
 * orders: a path goes right with probability (n1 - i) / (n1 - i + n2 - j), so every path has the same
 * probability, and the mass that first steps onto a cell with |i n2 - j n1| >= D n1 n2 is summed
 * (a sum of positive terms, so a tiny p-value keeps its precision). scipy's method='exact'.
 */
export function ks2Samp(reference: readonly number[], current: readonly number[]): TestResult {
  const a = sorted(reference);
  const b = sorted(current);
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) return { statistic: 0, pValue: 1 };
  // D as the integer h = D * n1 * n2, evaluated after each run of tied values
  let i = 0;
  let j = 0;
  let h = 0;
  while (i < n1 || j < n2) {
    const v = Math.min(i < n1 ? (a[i] as number) : Infinity, j < n2 ? (b[j] as number) : Infinity);
    while (i < n1 && a[i] === v) i++;
    while (j < n2 && b[j] === v) j++;
    h = Math.max(h, Math.abs(i * n2 - j * n1));
  }
  const statistic = h / (n1 * n2);
  if (h === 0) return { statistic, pValue: 1 };
  if (n1 * n2 > KS_EXACT_MAX_CELLS) {
    const en = (n1 * n2) / (n1 + n2);
    return { statistic, pValue: kolmogorovSf(Math.sqrt(en) * statistic) };
  }
  return { statistic, pValue: Math.min(1, ksExactOutside(n1, n2, h)) };
}

function ksExactOutside(n1: number, n2: number, h: number): number {
  const row = new Float64Array(n2 + 1);
  let out = 0;
  const outside = (i: number, j: number): boolean => Math.abs(i * n2 - j * n1) >= h;
  // row 0: only up-moves (j grows)
  row[0] = 1;
  for (let j = 1; j <= n2; j++) {
    const prev = row[j - 1] as number;
    const m = prev * ((n2 - (j - 1)) / (n1 + n2 - (j - 1)));
    if (outside(0, j)) {
      out += m;
      row[j] = 0;
    } else row[j] = m;
  }
  for (let i = 1; i <= n1; i++) {
    for (let j = 0; j <= n2; j++) {
      const fromLeft = (row[j] as number) * ((n1 - (i - 1)) / (n1 - (i - 1) + n2 - j));
      const fromBelow = j > 0 ? (row[j - 1] as number) * ((n2 - (j - 1)) / (n1 - i + n2 - (j - 1))) : 0;
      const m = fromLeft + fromBelow;
      if (outside(i, j)) {
        out += m;
        row[j] = 0;
      } else row[j] = m;
    }
  }
  return out;
}

/** The first Wasserstein distance between two empirical distributions: ∫ |F_u - F_v| dx. */
export function wassersteinDistance(u: readonly number[], v: readonly number[]): number {
  const a = sorted(u);
  const b = sorted(v);
  if (a.length === 0 || b.length === 0) return 0;
  let i = 0;
  let j = 0;
  let total = 0;
  let x = Math.min(a[0] as number, b[0] as number);
  while (i < a.length || j < b.length) {
    const next = Math.min(i < a.length ? (a[i] as number) : Infinity, j < b.length ? (b[j] as number) : Infinity);
    total += Math.abs(i / a.length - j / b.length) * (next - x);
    x = next;
    while (i < a.length && a[i] === next) i++;
    while (j < b.length && b[j] === next) j++;
  }
  return total;
}

/** Population standard deviation (numpy.std, ddof = 0). */
export function std(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  return Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
}

/** Pearson's chi-square of observed vs expected counts; dof = k - 1. An expected 0 with an observed > 0 is an infinite statistic (p = 0). */
export function chiSquare(observed: readonly number[], expected: readonly number[]): TestResult {
  let stat = 0;
  for (let k = 0; k < observed.length; k++) {
    const o = observed[k] as number;
    const e = expected[k] as number;
    if (e === 0) {
      if (o !== 0) stat = Infinity;
      continue;
    }
    stat += (o - e) ** 2 / e;
  }
  const dof = observed.length - 1;
  if (dof <= 0) return { statistic: stat, pValue: 1 };
  return { statistic: stat, pValue: Number.isFinite(stat) ? chiSquareSf(stat, dof) : 0 };
}

/** Jensen-Shannon distance (the square root of the divergence) of two weight vectors, each normalised to sum 1. */
export function jensenShannon(p: readonly number[], q: readonly number[], base = 2): number {
  const sp = p.reduce((s, x) => s + x, 0);
  const sq = q.reduce((s, x) => s + x, 0);
  let kl = 0;
  for (let k = 0; k < p.length; k++) {
    const pk = (p[k] as number) / sp;
    const qk = (q[k] as number) / sq;
    const m = (pk + qk) / 2;
    if (pk > 0) kl += pk * Math.log(pk / m);
    if (qk > 0) kl += qk * Math.log(qk / m);
  }
  return Math.sqrt(Math.max(0, kl / 2) / Math.log(base));
}

/** Two-proportion z-test (Evidently's `z` test): p1, p2 shares of 1s; two-sided p-value. */
export function proportionsZTest(ones1: number, n1: number, ones2: number, n2: number): TestResult {
  const p1 = ones1 / n1;
  const p2 = ones2 / n2;
  const pooled = (ones1 + ones2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (se === 0) return { statistic: 0, pValue: p1 === p2 ? 1 : 0 };
  const z = (p1 - p2) / se;
  return { statistic: z, pValue: 2 * normalSf(Math.abs(z)) };
}
