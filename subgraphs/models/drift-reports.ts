/**
 * `driftReports(model, last)`: the last drift checks of a model from `ml.drift_reports` (written by
 * the daily drift DAG, jobs/drift). The subgraph reads through a DriftReportReader that bin/ hands
 * in (jobs/drift/drift-reports-table.ts `lakeDriftReportReader`); without one there are no reports.
 */
import { PlatformError } from '../../schema/errors.ts';
import type { StoredColumnDrift, StoredDriftRun } from '../../schema/lake/drift-reports.ts';

export interface DriftReportReader {
  driftReports(model: string, last: number): Promise<readonly StoredDriftRun[]>;
}

export const MAX_DRIFT_REPORTS = 100;

const KIND = { numerical: 'NUMERICAL', categorical: 'CATEGORICAL' } as const;

const column = (c: StoredColumnDrift) => ({ ...c, kind: KIND[c.kind as keyof typeof KIND] ?? 'NUMERICAL' });

export async function driftReports(reader: DriftReportReader | undefined, args: { readonly model: string; readonly last?: number | null }) {
  const last = args.last ?? 10;
  if (!Number.isInteger(last) || last < 1 || last > MAX_DRIFT_REPORTS) throw new PlatformError('BAD_USER_INPUT', `last must be 1..${MAX_DRIFT_REPORTS}, got ${last}`, { reason: `last must be 1..${MAX_DRIFT_REPORTS}` });
  if (!reader) return [];
  const runs = await reader.driftReports(args.model, last);
  return runs.map((r) => ({ ...r, columns: r.columns.map(column), prediction: r.prediction ? column(r.prediction) : null }));
}
