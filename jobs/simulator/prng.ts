/**
 * A small seedable PRNG (mulberry32) and the draws the simulator needs. Everything random in the
 * simulator comes from here, so one seed (plus the start time) replays the exact same event stream.
 */

/** mulberry32: a fast 32-bit generator with a 2^32 period, plenty for a simulation. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mixes any number of integers into one 32-bit seed (murmur3 finaliser per input). */
export function mixSeed(...parts: readonly number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    // Split into 32-bit halves so epoch milliseconds keep all their bits.
    for (const word of [p % 4294967296, Math.floor(p / 4294967296)]) {
      let k = word >>> 0;
      k = Math.imul(k ^ (k >>> 16), 0x85ebca6b);
      k = Math.imul(k ^ (k >>> 13), 0xc2b2ae35);
      k ^= k >>> 16;
      h = Math.imul(h ^ k, 0x01000193) >>> 0;
    }
  }
  return h >>> 0;
}

export class Rng {
  readonly #next: () => number;

  constructor(seed: number) {
    this.#next = mulberry32(seed);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.#next();
  }

  /** Uniform in [min, max). */
  float(min: number, max: number): number {
    return min + (max - min) * this.#next();
  }

  /** Uniform integer in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.#next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.#next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.#next() * items.length)] as T;
  }

  /** Index drawn with probability proportional to `weights[i]`. */
  weightedIndex(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    let r = this.#next() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i] ?? 0;
      if (r < 0) return i;
    }
    return weights.length - 1;
  }

  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const i = this.weightedIndex(items.map((x) => x[1]));
    const item = items[i];
    if (!item) throw new Error('weighted pick from an empty list');
    return item[0];
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -Math.log(1 - this.#next()) * mean;
  }

  /** Standard normal (Box-Muller). */
  normal(mean = 0, sd = 1): number {
    const u = 1 - this.#next();
    const v = this.#next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Poisson count with mean `lambda` (Knuth; the simulator's lambdas per step are small). */
  poisson(lambda: number): number {
    if (lambda <= 0) return 0;
    if (lambda > 30) return Math.max(0, Math.round(this.normal(lambda, Math.sqrt(lambda))));
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = this.#next();
    while (p > limit) {
      k++;
      p *= this.#next();
    }
    return k;
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    return Math.floor(this.#next() * 4294967296) >>> 0;
  }

  /** A version-4-shaped UUID made of this generator's bits (deterministic per seed). */
  uuid(): string {
    const s = hex8(this.u32()) + hex8(this.u32()) + hex8(this.u32()) + hex8(this.u32());
    const variant = '89ab'.charAt(this.u32() & 3);
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-4${s.slice(13, 16)}-${variant}${s.slice(17, 20)}-${s.slice(20, 32)}`;
  }
}

const hex8 = (n: number): string => n.toString(16).padStart(8, '0');

export const round2 = (x: number): number => Math.round(x * 100) / 100;
export const clamp = (x: number, min: number, max: number): number => Math.min(max, Math.max(min, x));
