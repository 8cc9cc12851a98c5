/**
 * `ml.drift_reports`: one Delta table of drift check results. Each run appends one row per feature
 * column (`row_kind = 'column'`), one for the model's outputs when the run had them
 * (`'prediction'`) and one summary (`'dataset'`: drifted columns, share, dataset drift). Readers
 * (GraphQL `driftReports`) group the rows of a run by `run_id`. Columns: schema/lake/drift-reports.ts.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { appendRows, resolveRelation, type LakeTables, type RowValue } from '../lake/delta/index.ts';
import type { ColumnDrift } from './column-drift.ts';
import type { DriftReport } from './detector.ts';
import { DRIFT_REPORT_COLUMNS, DRIFT_REPORTS_TABLE, type StoredColumnDrift, type StoredDriftRun } from '../../schema/lake/drift-reports.ts';

export { DRIFT_REPORTS_TABLE, DRIFT_REPORT_COLUMNS };

export interface DriftRunMeta {
  readonly runId: string;
  readonly model: string;
  readonly modelVersion: string;
  readonly logicalDate: string;
  /** Epoch ms. */
  readonly checkedAt: number;
  /** Where the current window came from (prediction_log, features, ...). */
  readonly windowSource: string;
}

type Row = Record<keyof typeof DRIFT_REPORT_COLUMNS, RowValue>;

const finite = (x: number | null): number | null => (x === null || !Number.isFinite(x) ? null : x);

function columnRow(m: DriftRunMeta, r: DriftReport, kind: 'column' | 'prediction', c: ColumnDrift): Row {
  return {
    run_id: m.runId, model: m.model, model_version: m.modelVersion, logical_date: m.logicalDate, checked_at: new Date(m.checkedAt).toISOString(), window_source: m.windowSource,
    row_kind: kind, column_name: c.column, column_kind: c.kind, stattest: c.stattest, score: finite(c.score), threshold: c.threshold, drifted: c.drifted, psi: finite(c.psi),
    reference_rows: c.referenceRows, current_rows: c.currentRows, reference_mean: finite(c.referenceMean), current_mean: finite(c.currentMean),
    drifted_columns: r.driftedColumns, column_count: r.columnCount, drift_share: r.driftShare, dataset_drift: r.datasetDrift,
  };
}

/** The rows of one report as the table stores them. */
export function driftReportRows(m: DriftRunMeta, r: DriftReport): Row[] {
  const rows = r.columns.map((c) => columnRow(m, r, 'column', c));
  if (r.prediction) rows.push(columnRow(m, r, 'prediction', r.prediction));
  rows.push({
    run_id: m.runId, model: m.model, model_version: m.modelVersion, logical_date: m.logicalDate, checked_at: new Date(m.checkedAt).toISOString(), window_source: m.windowSource,
    row_kind: 'dataset', column_name: null, column_kind: null, stattest: null, score: r.share, threshold: r.driftShare, drifted: r.datasetDrift, psi: null,
    reference_rows: r.referenceRows, current_rows: r.currentRows, reference_mean: null, current_mean: null,
    drifted_columns: r.driftedColumns, column_count: r.columnCount, drift_share: r.driftShare, dataset_drift: r.datasetDrift,
  });
  return rows;
}

export async function appendDriftReport(lake: LakeTables, m: DriftRunMeta, r: DriftReport): Promise<number> {
  const res = await appendRows(lake, DRIFT_REPORTS_TABLE, driftReportRows(m, r), { columns: DRIFT_REPORT_COLUMNS, info: { runId: m.runId, model: m.model } });
  return res.version;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string => (v instanceof Date ? v.toISOString() : String(v ?? ''));

/** The last `last` runs of `model` (newest first), read from the table's latest snapshot. No table yet: []. */
export async function readDriftRuns(lake: LakeTables, conn: DuckDBConnection, model: string, last: number): Promise<StoredDriftRun[]> {
  if (!(await lake.table(DRIFT_REPORTS_TABLE).exists())) return [];
  const { sql } = await resolveRelation(lake, DRIFT_REPORTS_TABLE);
  const n = Math.max(1, Math.min(100, Math.floor(last)));
  const prepared = await conn.prepare(`
    WITH runs AS (SELECT run_id, checked_at FROM ${sql} AS d WHERE d.model = $1 AND d.row_kind = 'dataset' ORDER BY checked_at DESC, run_id DESC LIMIT ${n})
    SELECT d.*, strftime(d.logical_date, '%Y-%m-%d') AS logical_day, strftime(d.checked_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ') AS checked_iso
    FROM ${sql} AS d JOIN runs USING (run_id) ORDER BY runs.checked_at DESC, d.run_id DESC, d.row_kind, d.column_name`);
  prepared.bindVarchar(1, model);
  const rows = (await prepared.runAndReadAll()).getRowObjectsJS() as Record<string, unknown>[];
  const byRun = new Map<string, Record<string, unknown>[]>();
  for (const r of rows) {
    const id = str(r.run_id);
    const list = byRun.get(id) ?? [];
    list.push(r);
    byRun.set(id, list);
  }
  const out: StoredDriftRun[] = [];
  for (const [runId, list] of byRun) {
    const summary = list.find((r) => r.row_kind === 'dataset');
    if (!summary) continue;
    const col = (r: Record<string, unknown>): StoredColumnDrift => ({
      column: str(r.column_name), kind: str(r.column_kind), stattest: str(r.stattest), score: num(r.score), threshold: Number(r.threshold), drifted: r.drifted === true, psi: num(r.psi),
      referenceRows: Number(r.reference_rows), currentRows: Number(r.current_rows), referenceMean: num(r.reference_mean), currentMean: num(r.current_mean),
    });
    const pred = list.find((r) => r.row_kind === 'prediction');
    out.push({
      runId, model: str(summary.model), modelVersion: str(summary.model_version), logicalDate: str(summary.logical_day), checkedAt: str(summary.checked_iso), windowSource: str(summary.window_source),
      datasetDrift: summary.dataset_drift === true, driftedColumns: Number(summary.drifted_columns), columnCount: Number(summary.column_count), share: Number(summary.score), driftShare: Number(summary.drift_share),
      referenceRows: Number(summary.reference_rows), currentRows: Number(summary.current_rows),
      columns: list.filter((r) => r.row_kind === 'column').map(col), prediction: pred ? col(pred) : null,
    });
  }
  return out;
}

/** What the models subgraph's `driftReports` reads (subgraphs/models/drift-reports.ts), over the lake. */
export function lakeDriftReportReader(lake: LakeTables): { driftReports(model: string, last: number): Promise<StoredDriftRun[]> } {
  return { driftReports: async (model, last) => readDriftRuns(lake, await lake.connection(), model, last) };
}
