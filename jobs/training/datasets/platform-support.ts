/**
 * Shared parts of the training sets built from the lake (platform-*.ts): label tables read at one
 * snapshot each (their versions go into the lineage with the feature views' tables), time-ordered
 * 60/20/20 splits that never cut through one timestamp, and the local time of a region.
 */
import type { FeatureValue } from '../../../connectors/contracts/online-store.ts';
import { findRegion } from '../../../schema/regions.ts';
import type { HistoricalFeatures, OfflineSource, TableRead } from '../../features/offline/index.ts';
import type { ResultRow } from '../../models-sql/backend.ts';
import type { Dataset } from './dataset.ts';

export interface PlatformDatasetOptions {
  /** The lake (lakeOfflineSource) or a model backend (backendOfflineSource). */
  readonly source: OfflineSource;
  /** Label-time range (epoch ms, inclusive); default: everything. */
  readonly from?: number;
  readonly to?: number;
}

/** Collects the Delta table versions a set reads. */
export class LineageCollector {
  readonly #tables = new Map<string, number>();
  readonly #views = new Set<string>();

  add(t: TableRead): void {
    // an unversioned table (plain DuckDB in tests) is recorded as version -1
    this.#tables.set(t.name, t.version ?? -1);
  }

  addRetrieval(h: HistoricalFeatures): void {
    for (const t of h.lineage.tables) this.add(t);
    for (const v of h.lineage.featureViews) this.#views.add(v);
  }

  lineage(rows: number, times: readonly number[]): NonNullable<Dataset['lineage']> {
    const from = times.length ? Math.min(...times) : null;
    const to = times.length ? Math.max(...times) : null;
    return {
      tables: [...this.#tables].map(([name, version]) => ({ name, version })).sort((a, b) => a.name.localeCompare(b.name)),
      featureViews: [...this.#views].sort(),
      trainingRows: rows,
      ...(from !== null ? { dataFrom: new Date(from).toISOString() } : {}),
      ...(to !== null ? { dataTo: new Date(to).toISOString() } : {}),
    };
  }
}

/** Rows of `sql(relation)` over one snapshot of `table`; a table that does not exist yet gives []. */
export async function readLabels(source: OfflineSource, lineage: LineageCollector, table: string, sql: (relation: string) => string): Promise<ResultRow[]> {
  const snap = await source.snapshot(table);
  if (!snap) return [];
  lineage.add({ name: table, version: snap.version });
  return source.query(sql(snap.sql));
}

/** `AND <col> BETWEEN ...` for the label-time range (epoch-ms column). */
export function timeRange(column: string, o: PlatformDatasetOptions): string {
  return `${o.from !== undefined ? ` AND ${column} >= ${Math.floor(o.from)}` : ''}${o.to !== undefined ? ` AND ${column} <= ${Math.floor(o.to)}` : ''}`;
}

/**
 * 60 / 20 / 20 by row count over rows sorted by time, each boundary moved forward past rows of the
 * same timestamp, so no instant is in two splits (validation and test are strictly later than training).
 * When few instants hold many rows (hourly sets over a few hours) and that leaves a split empty, the
 * split is 60 / 20 / 20 of the distinct instants instead.
 */
export function timeSplit(times: readonly number[]): { validationFrom: number; testFrom: number } {
  const at = (share: number): number => {
    let i = Math.floor(times.length * share);
    while (i > 0 && i < times.length && times[i] === times[i - 1]) i++;
    return Math.min(i, times.length);
  };
  const validationFrom = at(0.6);
  const testFrom = Math.max(validationFrom, at(0.8));
  if (validationFrom > 0 && validationFrom < testFrom && testFrom < times.length) return { validationFrom, testFrom };
  const distinct = [...new Set(times)];
  const firstIndexOf = (k: number): number => {
    const t = distinct[k];
    return t === undefined ? times.length : times.indexOf(t);
  };
  const v = firstIndexOf(Math.max(1, Math.floor(distinct.length * 0.6)));
  return { validationFrom: v, testFrom: Math.max(v, firstIndexOf(Math.max(2, Math.floor(distinct.length * 0.8)))) };
}

/** Local hour (0..23) and whether it is a local weekend, of an instant in a region (UTC when unknown). */
export function regionLocalTime(at: number, regionId: string | null): { hour: number; weekend: number } {
  const r = regionId ? findRegion(regionId) : undefined;
  const local = new Date(at + (r?.timezoneOffsetHours ?? 0) * 3_600_000);
  const d = local.getUTCDay();
  return { hour: local.getUTCHours(), weekend: d === 0 || d === 6 ? 1 : 0 };
}

export const num = (v: FeatureValue | boolean | undefined, fallback: number): number => {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return fallback;
};
