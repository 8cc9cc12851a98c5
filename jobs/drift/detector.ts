/**
 * Dataset drift as Evidently's DataDriftPreset decides it: every feature column is tested against
 * its reference (column-drift.ts), the dataset drifts when the share of drifted columns is at least
 * `driftShare` (0.5). Prediction drift is the same column test on the model's outputs, reported
 * beside the features and not counted in the share.
 */
import type { Value } from './binning.ts';
import { columnDrift, EVIDENTLY_DEFAULTS, type ColumnDrift, type ColumnKind, type DriftThresholds } from './column-drift.ts';

/** Columns by name, each a list of values (null: missing). */
export type Frame = Readonly<Record<string, readonly (Value | null)[]>>;

export interface DriftOptions {
  readonly thresholds?: DriftThresholds;
  /** Share of drifted feature columns at or above which the dataset drifts. */
  readonly driftShare?: number;
  /** Columns to test as categorical even though their values are numbers (codes). */
  readonly kinds?: Readonly<Record<string, ColumnKind>>;
  /** The prediction column's name, if the frames carry one. */
  readonly predictionColumn?: string;
}

export interface DriftReport {
  readonly columns: readonly ColumnDrift[];
  readonly columnCount: number;
  readonly driftedColumns: number;
  readonly share: number;
  readonly driftShare: number;
  readonly datasetDrift: boolean;
  /** The outputs' drift, when both frames have the prediction column. */
  readonly prediction: ColumnDrift | null;
  readonly referenceRows: number;
  readonly currentRows: number;
}

export const DEFAULT_DRIFT_SHARE = 0.5;

const rows = (f: Frame): number => Math.max(0, ...Object.values(f).map((c) => c.length));

/** Tests every column of the reference that the current frame also has. */
export function detectDrift(reference: Frame, current: Frame, o: DriftOptions = {}): DriftReport {
  const thresholds = o.thresholds ?? EVIDENTLY_DEFAULTS;
  const driftShare = o.driftShare ?? DEFAULT_DRIFT_SHARE;
  const test = (name: string): ColumnDrift => {
    const kind = o.kinds?.[name];
    return columnDrift(name, reference[name] ?? [], current[name] ?? [], { thresholds, ...(kind ? { kind } : {}) });
  };
  const names = Object.keys(reference).filter((n) => n !== o.predictionColumn && n in current).sort();
  const columns = names.map(test);
  const driftedColumns = columns.filter((c) => c.drifted).length;
  const share = columns.length ? driftedColumns / columns.length : 0;
  const p = o.predictionColumn;
  const prediction = p && p in reference && p in current ? test(p) : null;
  return { columns, columnCount: columns.length, driftedColumns, share, driftShare, datasetDrift: columns.length > 0 && share >= driftShare, prediction, referenceRows: rows(reference), currentRows: rows(current) };
}
