import type { ModelLineage } from '../../../connectors/contracts/model-version-registry.ts';

/**
 * A training set: raw feature rows in `featureNames` order and one target per row. Synthetic sets
 * (datasets/*.ts) or sets built from the lake by point-in-time retrieval (then `lineage` says which
 * Delta table versions and feature views they came from, and the rows are in label-time order).
 */
export interface Dataset {
  readonly featureNames: readonly string[];
  readonly x: readonly (readonly number[])[];
  readonly y: readonly number[];
  /**
   * Rows [0, validationFrom) train, [validationFrom, testFrom) validate (a classifier's threshold is
   * chosen there), [testFrom, end) are the held-out test split the card's metrics come from.
   * Time-ordered sets keep the future out of training.
   */
  readonly validationFrom: number;
  readonly testFrom: number;
  /** Where the rows came from, for the registry (absent for synthetic sets). */
  readonly lineage?: Omit<ModelLineage, 'codeVersion'>;
}

/** hour_sin / hour_cos of a (local) hour of day, 0..23. */
export function hourCycle(hour: number): { hourSin: number; hourCos: number } {
  const a = (2 * Math.PI * hour) / 24;
  return { hourSin: Math.sin(a), hourCos: Math.cos(a) };
}

/** A smooth two-peak (morning, evening) weekday activity curve in [0, ~1]. */
export function rushHour(hour: number): number {
  return Math.exp(-((hour - 8.5) ** 2) / 4) + Math.exp(-((hour - 18.5) ** 2) / 5);
}

export const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** The 60 / 20 / 20 split of a set of independent rows. */
export const splitPoints = (rows: number): { validationFrom: number; testFrom: number } => ({ validationFrom: Math.floor(rows * 0.6), testFrom: Math.floor(rows * 0.8) });
