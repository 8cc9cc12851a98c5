/**
 * Linear models fitted in plain TypeScript: least squares (normal equations with a tiny ridge) and
 * logistic regression (Newton / IRLS with L2). Both work on standardized features; the fitted
 * parameters are rounded to float32 because that is what the ONNX file stores, so the training-time
 * prediction below is exactly the function the ONNX graph computes (up to float32 arithmetic).
 */
export type Activation = 'identity' | 'clip' | 'sigmoid' | 'relu';

export interface LinearModel {
  /** Per-feature mean and standard deviation used to standardize raw inputs. */
  readonly mean: readonly number[];
  readonly std: readonly number[];
  /** Weights on standardized features, and the intercept. */
  readonly weights: readonly number[];
  readonly bias: number;
  readonly activation: Activation;
  /** Bounds of the `clip` activation. */
  readonly clip?: { readonly min: number; readonly max: number };
}

type Matrix = readonly (readonly number[])[];

function at(a: readonly number[], i: number): number {
  return a[i] ?? 0;
}

export function fitStandardizer(x: Matrix): { mean: number[]; std: number[] } {
  const width = x[0]?.length ?? 0;
  const mean = new Array<number>(width).fill(0);
  const std = new Array<number>(width).fill(0);
  for (const row of x) for (let j = 0; j < width; j++) mean[j] = at(mean, j) + at(row, j) / x.length;
  for (const row of x) for (let j = 0; j < width; j++) std[j] = at(std, j) + (at(row, j) - at(mean, j)) ** 2 / x.length;
  return {
    mean: mean.map((m) => Math.fround(m)),
    // A constant feature keeps std 1 so the graph never divides by zero.
    std: std.map((v) => Math.fround(Math.sqrt(v) > 1e-9 ? Math.sqrt(v) : 1)),
  };
}

function standardize(x: Matrix, mean: readonly number[], std: readonly number[]): number[][] {
  return x.map((row) => row.map((v, j) => (v - at(mean, j)) / at(std, j)));
}

/** Solves A x = b (A square) by Gaussian elimination with partial pivoting. */
export function solve(aIn: Matrix, bIn: readonly number[]): number[] {
  const n = bIn.length;
  const a = aIn.map((r) => [...r]);
  const b = [...bIn];
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]?.[c] ?? 0) > Math.abs(a[p]?.[c] ?? 0)) p = r;
    [a[c], a[p]] = [a[p] as number[], a[c] as number[]];
    [b[c], b[p]] = [at(b, p), at(b, c)];
    const pivotRow = a[c] as number[];
    const pivot = at(pivotRow, c);
    if (Math.abs(pivot) < 1e-12) throw new Error('singular system in least squares');
    for (let r = c + 1; r < n; r++) {
      const row = a[r] as number[];
      const f = at(row, c) / pivot;
      if (f === 0) continue;
      for (let k = c; k < n; k++) row[k] = at(row, k) - f * at(pivotRow, k);
      b[r] = at(b, r) - f * at(b, c);
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    const row = a[r] as number[];
    let s = at(b, r);
    for (let k = r + 1; k < n; k++) s -= at(row, k) * at(x, k);
    x[r] = s / at(row, r);
  }
  return x;
}

/** Rows with a leading 1 for the intercept. */
function design(z: Matrix): number[][] {
  return z.map((row) => [1, ...row]);
}

/** X^T diag(w) X + l2 * I (the intercept is not penalised). */
function gram(x: Matrix, w: readonly number[] | undefined, l2: number): number[][] {
  const d = x[0]?.length ?? 0;
  const g = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  x.forEach((row, i) => {
    const wi = w ? at(w, i) : 1;
    for (let j = 0; j < d; j++) {
      const gj = g[j] as number[];
      const rj = at(row, j) * wi;
      for (let k = j; k < d; k++) gj[k] = at(gj, k) + rj * at(row, k);
    }
  });
  for (let j = 0; j < d; j++) {
    const gj = g[j] as number[];
    for (let k = 0; k < j; k++) gj[k] = at(g[k] as number[], j);
    if (j > 0) gj[j] = at(gj, j) + l2;
  }
  return g;
}

function finish(beta: readonly number[], mean: number[], std: number[], activation: Activation, clip?: { min: number; max: number }): LinearModel {
  return {
    mean,
    std,
    bias: Math.fround(at(beta, 0)),
    weights: beta.slice(1).map((b) => Math.fround(b)),
    activation,
    ...(clip ? { clip } : {}),
  };
}

/** Ordinary least squares on standardized features (ridge 1e-6 for numerical safety). */
export function fitLeastSquares(x: Matrix, y: readonly number[], activation: Activation = 'identity', clip?: { min: number; max: number }): LinearModel {
  const { mean, std } = fitStandardizer(x);
  const xd = design(standardize(x, mean, std));
  const g = gram(xd, undefined, 1e-6 * x.length);
  const d = xd[0]?.length ?? 0;
  const rhs = new Array<number>(d).fill(0);
  xd.forEach((row, i) => {
    for (let j = 0; j < d; j++) rhs[j] = at(rhs, j) + at(row, j) * at(y, i);
  });
  return finish(solve(g, rhs), mean, std, activation, clip);
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** L2-regularised logistic regression by Newton's method (IRLS); labels are 0/1. */
export function fitLogistic(x: Matrix, y: readonly number[], l2 = 1e-3, iterations = 30): LinearModel {
  const { mean, std } = fitStandardizer(x);
  const xd = design(standardize(x, mean, std));
  const d = xd[0]?.length ?? 0;
  let beta = new Array<number>(d).fill(0);
  for (let it = 0; it < iterations; it++) {
    const p = xd.map((row) => sigmoid(row.reduce((s, v, j) => s + v * at(beta, j), 0)));
    const w = p.map((pi) => Math.max(pi * (1 - pi), 1e-9));
    const grad = new Array<number>(d).fill(0);
    xd.forEach((row, i) => {
      const r = at(p, i) - at(y, i);
      for (let j = 0; j < d; j++) grad[j] = at(grad, j) + r * at(row, j);
    });
    for (let j = 1; j < d; j++) grad[j] = at(grad, j) + l2 * at(beta, j);
    const step = solve(gram(xd, w, l2), grad);
    beta = beta.map((b, j) => b - at(step, j));
    if (Math.max(...step.map(Math.abs)) < 1e-10) break;
  }
  return finish(beta, mean, std, 'sigmoid');
}

/** The model's output for one raw feature row, computed the way the ONNX graph does. */
export function predictLinear(m: LinearModel, row: readonly number[]): number {
  let z = m.bias;
  for (let j = 0; j < m.weights.length; j++) z += at(m.weights, j) * ((at(row, j) - at(m.mean, j)) / at(m.std, j));
  switch (m.activation) {
    case 'identity':
      return z;
    case 'relu':
      return Math.max(0, z);
    case 'sigmoid':
      return sigmoid(z);
    case 'clip':
      return Math.min(m.clip?.max ?? Infinity, Math.max(m.clip?.min ?? -Infinity, z));
  }
}
