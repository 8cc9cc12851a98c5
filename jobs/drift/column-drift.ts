/**
 * Drift of one column against its reference, with Evidently's default test selection
 * (docs-old.evidentlyai.com/reference/data-drift-algorithm; n_unique counts both samples):
 *
 * | reference rows | numerical, n_unique > 5       | numerical n_unique <= 5, or categorical          |
 * |----------------|-------------------------------|--------------------------------------------------|
 * | <= 1000        | KS, drift when p < 0.05       | chi-square p < 0.05 (n_unique <= 2: z-test p < 0.05) |
 * | > 1000         | normed Wasserstein >= 0.1     | Jensen-Shannon distance >= 0.1                   |
 *
 * PSI (Evidently's `psi`, >= 0.1 is drift by its own threshold) is reported for every column beside
 * the deciding test. Missing values (null, NaN) are dropped first.
 */
import { binnedShares, countsByValue, distinctCount, psi, type Value } from './binning.ts';
import { chiSquare, jensenShannon, ks2Samp, proportionsZTest, std, wassersteinDistance } from './stattests.ts';

export type ColumnKind = 'numerical' | 'categorical';
export type StatTestName = 'ks' | 'wasserstein' | 'chisquare' | 'z' | 'jensenshannon';

export interface DriftThresholds {
  /** Reference rows at or below which the small-data tests (KS, chi-square, z) are used. */
  readonly smallDataRows: number;
  /** p-value below which KS / chi-square / z call drift. */
  readonly pValue: number;
  /** Normed Wasserstein distance at or above which drift is called. */
  readonly wasserstein: number;
  /** Jensen-Shannon distance at or above which drift is called. */
  readonly jensenShannon: number;
  /** n_unique at or below which a numerical column is tested as categorical. */
  readonly lowCardinality: number;
}

export const EVIDENTLY_DEFAULTS: DriftThresholds = { smallDataRows: 1000, pValue: 0.05, wasserstein: 0.1, jensenShannon: 0.1, lowCardinality: 5 };

export interface ColumnDrift {
  readonly column: string;
  readonly kind: ColumnKind;
  readonly stattest: StatTestName;
  /** p-value (ks, chisquare, z) or distance (wasserstein, jensenshannon). */
  readonly score: number;
  readonly threshold: number;
  readonly drifted: boolean;
  readonly psi: number;
  readonly referenceRows: number;
  readonly currentRows: number;
  /** Means of both samples for numerical columns (null for categorical). */
  readonly referenceMean: number | null;
  readonly currentMean: number | null;
}

const present = (xs: readonly (Value | null | undefined)[]): Value[] => xs.filter((x): x is Value => x !== null && x !== undefined && !(typeof x === 'number' && Number.isNaN(x)));

const mean = (xs: readonly number[]): number | null => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : null);

/** Evidently's column type: numerical when every present value is a number, unless declared categorical. */
export function columnKind(values: readonly (Value | null)[], declared?: ColumnKind): ColumnKind {
  if (declared) return declared;
  return present(values).every((v) => typeof v === 'number') ? 'numerical' : 'categorical';
}

export function selectStatTest(kind: ColumnKind, referenceRows: number, nUnique: number, t: DriftThresholds = EVIDENTLY_DEFAULTS): StatTestName {
  const small = referenceRows <= t.smallDataRows;
  if (kind === 'numerical' && nUnique > t.lowCardinality) return small ? 'ks' : 'wasserstein';
  if (!small) return 'jensenshannon';
  return nUnique > 2 ? 'chisquare' : 'z';
}

function zTest(reference: readonly Value[], current: readonly Value[]): number {
  const keys = [...new Set([...reference, ...current])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (keys.length <= 1) return 1;
  const first = keys[0];
  const ones = (xs: readonly Value[]): number => xs.reduce<number>((n, x) => n + (x === first ? 0 : 1), 0);
  return proportionsZTest(ones(reference), reference.length, ones(current), current.length).pValue;
}

function chiSquareTest(reference: readonly Value[], current: readonly Value[]): number {
  const c = countsByValue(reference, current);
  const k = current.length / reference.length;
  return chiSquare(c.current, c.reference.map((n) => n * k)).pValue;
}

export function columnDrift(column: string, referenceRaw: readonly (Value | null)[], currentRaw: readonly (Value | null)[], o: { readonly kind?: ColumnKind; readonly thresholds?: DriftThresholds } = {}): ColumnDrift {
  const t = o.thresholds ?? EVIDENTLY_DEFAULTS;
  const reference = present(referenceRaw);
  const current = present(currentRaw);
  const kind = columnKind(reference.concat(current), o.kind);
  const nUnique = distinctCount(reference.concat(current));
  const stattest = selectStatTest(kind, reference.length, nUnique, t);
  const numerical = kind === 'numerical';
  const base = { column, kind, stattest, referenceRows: reference.length, currentRows: current.length, referenceMean: numerical ? mean(reference as number[]) : null, currentMean: numerical ? mean(current as number[]) : null };
  if (reference.length === 0 || current.length === 0) {
    const threshold = stattest === 'wasserstein' ? t.wasserstein : stattest === 'jensenshannon' ? t.jensenShannon : t.pValue;
    return { ...base, score: stattest === 'wasserstein' || stattest === 'jensenshannon' ? 0 : 1, threshold, drifted: false, psi: 0 };
  }
  const psiValue = psi(reference, current, numerical);
  switch (stattest) {
    case 'ks': {
      const p = ks2Samp(reference as number[], current as number[]).pValue;
      return { ...base, score: p, threshold: t.pValue, drifted: p < t.pValue, psi: psiValue };
    }
    case 'wasserstein': {
      const norm = Math.max(std(reference as number[]), 0.001);
      const d = wassersteinDistance(reference as number[], current as number[]) / norm;
      return { ...base, score: d, threshold: t.wasserstein, drifted: d >= t.wasserstein, psi: psiValue };
    }
    case 'chisquare': {
      const p = chiSquareTest(reference, current);
      return { ...base, score: p, threshold: t.pValue, drifted: p < t.pValue, psi: psiValue };
    }
    case 'z': {
      const p = zTest(reference, current);
      return { ...base, score: p, threshold: t.pValue, drifted: p < t.pValue, psi: psiValue };
    }
    case 'jensenshannon': {
      const b = binnedShares(reference, current, numerical, false);
      const d = jensenShannon(b.reference, b.current);
      return { ...base, score: d, threshold: t.jensenShannon, drifted: d >= t.jensenShannon, psi: psiValue };
    }
  }
}
