/**
 * `ml.drift_reports`, the lake table of drift checks (jobs/drift writes it, the models subgraph's
 * `driftReports` reads it): one row per feature column of a run (`row_kind = 'column'`), one for the
 * model's outputs (`'prediction'`) and one summary (`'dataset'`). Data and types only.
 */
export const DRIFT_REPORTS_TABLE = 'ml.drift_reports';

/** Column -> DuckDB type, in table order. */
export const DRIFT_REPORT_COLUMNS = {
  run_id: 'VARCHAR',
  model: 'VARCHAR',
  model_version: 'VARCHAR',
  logical_date: 'DATE',
  checked_at: 'TIMESTAMPTZ',
  window_source: 'VARCHAR',
  row_kind: 'VARCHAR',
  column_name: 'VARCHAR',
  column_kind: 'VARCHAR',
  stattest: 'VARCHAR',
  score: 'DOUBLE',
  threshold: 'DOUBLE',
  drifted: 'BOOLEAN',
  psi: 'DOUBLE',
  reference_rows: 'BIGINT',
  current_rows: 'BIGINT',
  reference_mean: 'DOUBLE',
  current_mean: 'DOUBLE',
  drifted_columns: 'BIGINT',
  column_count: 'BIGINT',
  drift_share: 'DOUBLE',
  dataset_drift: 'BOOLEAN',
} as const satisfies Record<string, string>;

/** One column's test in a stored run. */
export interface StoredColumnDrift {
  readonly column: string;
  /** numerical | categorical */
  readonly kind: string;
  /** ks | wasserstein | chisquare | z | jensenshannon */
  readonly stattest: string;
  /** p-value (ks, chisquare, z) or distance (wasserstein, jensenshannon). */
  readonly score: number | null;
  readonly threshold: number;
  readonly drifted: boolean;
  readonly psi: number | null;
  readonly referenceRows: number;
  readonly currentRows: number;
  readonly referenceMean: number | null;
  readonly currentMean: number | null;
}

/** A stored drift check run: its summary and its columns. */
export interface StoredDriftRun {
  readonly runId: string;
  readonly model: string;
  readonly modelVersion: string;
  readonly logicalDate: string;
  /** ISO instant. */
  readonly checkedAt: string;
  readonly windowSource: string;
  readonly datasetDrift: boolean;
  readonly driftedColumns: number;
  readonly columnCount: number;
  /** Share of drifted feature columns. */
  readonly share: number;
  /** The share at or above which the dataset drifts. */
  readonly driftShare: number;
  readonly referenceRows: number;
  readonly currentRows: number;
  readonly columns: readonly StoredColumnDrift[];
  readonly prediction: StoredColumnDrift | null;
}
