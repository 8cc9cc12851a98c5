/**
 * A small seeded PRNG (mulberry32) for synthetic training data: the same seed gives the same data
 * on every machine, so training is deterministic.
 */
export interface Prng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max). */
  uniform(min: number, max: number): number;
  /** Integer in [min, max] inclusive. */
  int(min: number, max: number): number;
  /** True with probability p. */
  bernoulli(p: number): boolean;
  /** Normal(mean, sd) by Box-Muller. */
  normal(mean?: number, sd?: number): number;
  /** Poisson(lambda): Knuth for small lambda, a rounded normal approximation above 30. */
  poisson(lambda: number): number;
  /** One element of a non-empty list, chosen by weights. */
  pick<T>(items: readonly T[], weights?: readonly number[]): T;
}

export function createPrng(seed: number): Prng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = (mean = 0, sd = 1): number => {
    const u = Math.max(next(), 1e-12);
    const v = next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  return {
    next,
    uniform: (min, max) => min + (max - min) * next(),
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    bernoulli: (p) => next() < p,
    normal,
    poisson(lambda) {
      if (lambda <= 0) return 0;
      if (lambda > 30) return Math.max(0, Math.round(normal(lambda, Math.sqrt(lambda))));
      const limit = Math.exp(-lambda);
      let k = 0;
      let p = next();
      while (p > limit) {
        k++;
        p *= next();
      }
      return k;
    },
    pick<T>(items: readonly T[], weights?: readonly number[]): T {
      if (items.length === 0) throw new Error('pick from an empty list');
      const w = weights ?? items.map(() => 1);
      const total = w.reduce((s, x) => s + x, 0);
      let r = next() * total;
      for (let i = 0; i < items.length; i++) {
        r -= w[i] ?? 0;
        if (r < 0) return items[i] as T;
      }
      return items[items.length - 1] as T;
    },
  };
}
