/**
 * Measures of a window spec compiled to accumulators: which events a base measure takes (event
 * types and `where` conditions), what it adds, how two accumulators merge (session windows merge),
 * and the values a window shows (derived ratio / flag measures computed from the base ones).
 * Pure; the accumulator state is plain JSON for the checkpoint.
 */
import type { DomainEvent, EventType } from '../../schema/events/domain-events.ts';
import { dimensionValue, fieldValue } from '../../schema/windows/dimensions.ts';
import type { Measure, WindowSpec, Where } from '../../schema/windows/window-spec.ts';

/** One base measure's state: n = events taken, s = sum, v = min / max, d = distinct values. */
export interface Acc {
  n: number;
  s: number;
  v: number | null;
  d: Set<string> | null;
}

export interface AccSnapshot {
  readonly n: number;
  readonly s: number;
  readonly v: number | null;
  readonly d?: readonly string[];
}

type BaseMeasure = Exclude<Measure, { kind: 'ratio' } | { kind: 'flag' }>;

interface CompiledBase {
  readonly name: string;
  readonly m: BaseMeasure;
  readonly events: ReadonlySet<EventType>;
  readonly test: (e: DomainEvent) => boolean;
}

/** Sums and averages are rounded to 1e-6 so float addition order never shows. */
export const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

function whereTest(w: Where): (e: DomainEvent) => boolean {
  return (e) => {
    const v = fieldValue(e, w.field);
    if (w.eq !== undefined && v !== w.eq) return false;
    if (w.in !== undefined && !w.in.some((x) => x === v)) return false;
    if (w.gt !== undefined || w.gte !== undefined || w.lt !== undefined || w.lte !== undefined) {
      if (typeof v !== 'number') return false;
      if (w.gt !== undefined && !(v > w.gt)) return false;
      if (w.gte !== undefined && !(v >= w.gte)) return false;
      if (w.lt !== undefined && !(v < w.lt)) return false;
      if (w.lte !== undefined && !(v <= w.lte)) return false;
    }
    return true;
  };
}

export class CompiledMeasures {
  readonly #base: CompiledBase[] = [];
  readonly #spec: WindowSpec;

  constructor(spec: WindowSpec) {
    this.#spec = spec;
    for (const [name, m] of Object.entries(spec.measures)) {
      if (m.kind === 'ratio' || m.kind === 'flag') continue;
      const tests = (m.where ?? []).map(whereTest);
      this.#base.push({ name, m, events: new Set(m.events), test: (e) => tests.every((t) => t(e)) });
    }
  }

  empty(): Acc[] {
    return this.#base.map((b) => ({ n: 0, s: 0, v: null, d: b.m.kind === 'distinct' ? new Set() : null }));
  }

  /** True when at least one base measure takes the event (only such events are counted in a window). */
  takes(e: DomainEvent): boolean {
    return this.#base.some((b) => b.events.has(e.event_type) && b.test(e));
  }

  add(accs: Acc[], e: DomainEvent): void {
    this.#base.forEach((b, i) => {
      const a = accs[i];
      if (!a || !b.events.has(e.event_type) || !b.test(e)) return;
      const m = b.m;
      if (m.kind === 'count') a.n++;
      else if (m.kind === 'distinct') {
        const v = dimensionValue(e, m.dimension);
        if (v !== null) {
          a.n++;
          a.d?.add(v);
        }
      } else {
        const x = fieldValue(e, m.field);
        if (typeof x !== 'number') return;
        a.n++;
        a.s += x;
        if (m.kind === 'min') a.v = a.v === null ? x : Math.min(a.v, x);
        if (m.kind === 'max') a.v = a.v === null ? x : Math.max(a.v, x);
      }
    });
  }

  /** Adds `from` into `into` (merging two session windows). */
  merge(into: Acc[], from: readonly Acc[]): void {
    this.#base.forEach((b, i) => {
      const a = into[i];
      const f = from[i];
      if (!a || !f) return;
      a.n += f.n;
      a.s += f.s;
      if (f.v !== null) a.v = a.v === null ? f.v : b.m.kind === 'min' ? Math.min(a.v, f.v) : Math.max(a.v, f.v);
      if (a.d && f.d) for (const x of f.d) a.d.add(x);
    });
  }

  /** What the window shows: every measure of the spec by name (null: no value, e.g. avg of nothing). */
  values(accs: readonly Acc[]): Record<string, number | null> {
    const out: Record<string, number | null> = {};
    this.#base.forEach((b, i) => {
      const a = accs[i] ?? { n: 0, s: 0, v: null, d: null };
      const m = b.m;
      out[b.name] =
        m.kind === 'count' ? a.n
        : m.kind === 'distinct' ? (a.d?.size ?? 0)
        : m.kind === 'sum' ? round6(a.s)
        : m.kind === 'avg' ? (a.n === 0 ? null : round6(a.s / a.n))
        : a.v;
    });
    for (const [name, m] of Object.entries(this.#spec.measures)) {
      if (m.kind === 'ratio') {
        const num = out[m.numerator] ?? 0;
        const den = m.denominator.reduce((s, d) => s + (out[d] ?? 0), 0);
        out[name] = den === 0 ? m.whenZero : num / den;
      } else if (m.kind === 'flag') {
        const v = out[m.measure];
        out[name] = v !== null && v !== undefined && v >= m.atLeast ? 1 : 0;
      }
    }
    return out;
  }

  snapshot(accs: readonly Acc[]): AccSnapshot[] {
    return accs.map((a) => (a.d ? { n: a.n, s: a.s, v: a.v, d: [...a.d] } : { n: a.n, s: a.s, v: a.v }));
  }

  restore(s: readonly AccSnapshot[]): Acc[] {
    const accs = this.empty();
    s.forEach((x, i) => {
      const a = accs[i];
      if (!a) return;
      a.n = x.n;
      a.s = x.s;
      a.v = x.v;
      if (a.d && x.d) for (const v of x.d) a.d.add(v);
    });
    return accs;
  }
}
