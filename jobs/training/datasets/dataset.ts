/** A synthetic training set: raw feature rows in `featureNames` order and one target per row. */
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
