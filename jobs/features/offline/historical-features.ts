/**
 * Offline retrieval, point-in-time correct as Feast's get_historical_features: for each entity row
 * (join key + event_timestamp) and each requested view, the view's row of that entity with the
 * latest event_timestamp at or before the row's timestamp, ties between rows of one event_timestamp
 * broken by the latest created_timestamp, and null features when that row is older than the view's
 * TTL (a TTL of 0 is no TTL, as Feast). Nothing after the entity row's timestamp is ever read.
 *
 * One DuckDB `ASOF LEFT JOIN` per view over the view's source table at one snapshot (the lake's
 * Delta table; its version goes into the lineage). Entity rows travel as a VALUES list, in chunks.
 */
import type { FeatureValue } from '../../../connectors/contracts/online-store.ts';
import { PlatformError } from '../../../schema/errors.ts';
import type { FeatureDtype } from '../../../schema/features/index.ts';
import type { JsonScalar } from '../../models-sql/backend.ts';
import { outputName, resolveFeatureRefs, type ViewRequest } from './feature-refs.ts';
import type { OfflineSource } from './offline-source.ts';

/** An entity row: the join keys of the requested views, `event_timestamp` (epoch ms) and any other columns (labels), kept as they are. */
export type EntityRow = Readonly<Record<string, FeatureValue | boolean | undefined>> & { readonly event_timestamp: number };

export interface HistoricalOptions {
  /** Output columns `view__feature` instead of `feature` (Feast's full_feature_names). */
  readonly fullFeatureNames?: boolean;
  /** Add `<view>__event_timestamp`: the event_timestamp (ms) of the row each value came from, null when none. */
  readonly includeEventTimestamps?: boolean;
}

export interface TableRead {
  readonly name: string;
  /** Delta version read; null for unversioned tables. */
  readonly version: number | null;
}

export interface HistoricalFeatures {
  /** The feature columns added, in request order. */
  readonly columns: readonly string[];
  /** One per entity row, in input order: the entity row's own columns, then the features. */
  readonly rows: Record<string, FeatureValue | boolean>[];
  readonly lineage: { readonly tables: readonly TableRead[]; readonly featureViews: readonly string[] };
}

const CHUNK = 20_000;
const SQL_TYPE: Readonly<Record<FeatureDtype, string>> = { float64: 'DOUBLE', int64: 'BIGINT', string: 'VARCHAR' };

export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const quoteLiteral = (v: string): string => `'${v.replace(/'/g, "''")}'`;

function keyOf(row: EntityRow, joinKey: string, index: number): string | null {
  const v = row[joinKey];
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  throw new PlatformError('FEATURE_ENTITY_ROW_INVALID', `entity row ${index}: ${joinKey} must be a string or a number`, { row: index, column: joinKey });
}

function checkRows(rows: readonly EntityRow[]): void {
  rows.forEach((r, i) => {
    const t = r.event_timestamp;
    if (typeof t !== 'number' || !Number.isSafeInteger(t)) throw new PlatformError('FEATURE_ENTITY_ROW_INVALID', `entity row ${i}: event_timestamp must be epoch milliseconds (an integer)`, { row: i, column: 'event_timestamp' });
  });
}

/** The point-in-time join of one view for a chunk of entity rows (offset = index of its first row). */
function viewQuery(req: ViewRequest, relation: string, rows: readonly EntityRow[], offset: number): string {
  const { view, joinKey, fields } = req;
  const ttl = view.ttlMs;
  const values = rows.map((r, i) => {
    const k = keyOf(r, joinKey, offset + i);
    return `(${offset + i}, ${k === null ? 'NULL' : quoteLiteral(k)}, ${r.event_timestamp})`;
  }).join(', ');
  let minTs = Infinity;
  let maxTs = -Infinity;
  for (const r of rows) {
    minTs = Math.min(minTs, r.event_timestamp);
    maxTs = Math.max(maxTs, r.event_timestamp);
  }
  const src = view.source;
  const cols = fields.map((f) => `CAST(s.${quoteIdent(f.name)} AS ${SQL_TYPE[f.dtype]}) AS ${quoteIdent(f.name)}`).join(', ');
  const prune = [`s.${quoteIdent(joinKey)} IS NOT NULL`, `s.${quoteIdent(src.timestampField)} IS NOT NULL`, `epoch_ms(s.${quoteIdent(src.timestampField)}) <= ${maxTs}`];
  if (ttl > 0) prune.push(`epoch_ms(s.${quoteIdent(src.timestampField)}) >= ${minTs - ttl}`);
  const inTtl = ttl > 0 ? `f.ets >= e.ts - ${ttl}` : 'f.ets IS NOT NULL';
  return `WITH e AS (
  SELECT CAST(c0 AS BIGINT) AS row_idx, CAST(c1 AS VARCHAR) AS k, CAST(c2 AS BIGINT) AS ts FROM (VALUES ${values}) AS v(c0, c1, c2)
),
f AS (
  SELECT * EXCLUDE (rn) FROM (
    SELECT *, row_number() OVER (PARTITION BY k, ets ORDER BY cts DESC NULLS LAST) AS rn FROM (
      SELECT CAST(s.${quoteIdent(joinKey)} AS VARCHAR) AS k, epoch_ms(s.${quoteIdent(src.timestampField)}) AS ets,
             epoch_ms(s.${quoteIdent(src.createdTimestampColumn)}) AS cts, ${cols}
      FROM ${relation} AS s
      WHERE ${prune.join(' AND ')}
    )
  ) WHERE rn = 1
)
SELECT e.row_idx, CASE WHEN ${inTtl} THEN f.ets END AS __ets,
  ${fields.map((f) => `CASE WHEN ${inTtl} THEN f.${quoteIdent(f.name)} END AS ${quoteIdent(f.name)}`).join(',\n  ')}
FROM e ASOF LEFT JOIN f ON e.k = f.k AND e.ts >= f.ets
ORDER BY e.row_idx`;
}

const asValue = (v: JsonScalar | undefined): FeatureValue => (v === undefined || v === null ? null : typeof v === 'boolean' ? (v ? 1 : 0) : v);

/**
 * get_historical_features(entity_df, features): `featureRefs` are `view:feature` (or `view:*`).
 * A view whose source table does not exist yet gives nulls and is left out of the lineage's tables.
 */
export async function getHistoricalFeatures(source: OfflineSource, entityRows: readonly EntityRow[], featureRefs: readonly string[], o: HistoricalOptions = {}): Promise<HistoricalFeatures> {
  const requests = resolveFeatureRefs(featureRefs);
  checkRows(entityRows);
  const full = o.fullFeatureNames ?? false;
  const rows: Record<string, FeatureValue | boolean>[] = entityRows.map((r) => {
    const out: Record<string, FeatureValue | boolean> = {};
    for (const [k, v] of Object.entries(r)) if (v !== undefined) out[k] = v;
    return out;
  });
  const columns: string[] = [];
  const tables: TableRead[] = [];
  for (const req of requests) {
    const names = req.fields.map((f) => outputName(req.view, f, full));
    const tsColumn = `${req.view.name}__event_timestamp`;
    columns.push(...names);
    if (o.includeEventTimestamps) columns.push(tsColumn);
    for (const r of rows) {
      for (const n of names) r[n] = null;
      if (o.includeEventTimestamps) r[tsColumn] = null;
    }
    const snap = await source.snapshot(req.view.source.table);
    if (!snap) continue;
    tables.push({ name: req.view.source.table, version: snap.version });
    for (let at = 0; at < entityRows.length; at += CHUNK) {
      const result = await source.query(viewQuery(req, snap.sql, entityRows.slice(at, at + CHUNK), at));
      for (const got of result) {
        const r = rows[Number(got.row_idx)];
        if (!r) continue;
        req.fields.forEach((f, i) => {
          r[names[i] ?? f.name] = asValue(got[f.name]);
        });
        if (o.includeEventTimestamps) r[tsColumn] = asValue(got.__ets);
      }
    }
  }
  return { columns, rows, lineage: { tables, featureViews: requests.map((r) => r.view.name) } };
}
