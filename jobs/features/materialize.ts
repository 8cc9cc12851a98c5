/**
 * Batch materialisation, offline -> online (Feast's `materialize` / `materialize-incremental`): for
 * each online feature view, the latest row per entity with event_timestamp in (start, end] (ties by
 * created_timestamp) is written to the OnlineStore vector of the entity (entity name = the view's
 * entity, fields = the feature names, as the streaming job writes them, plus `<view>__event_timestamp`).
 *
 * Newest wins: a row is not written over a vector that already holds a value of that view from the
 * same or a later event time (its `<view>__event_timestamp`, or for views the streaming job keeps
 * too, the stream's clock of the entity: the newest event time in its `_state_<entity>` vector).
 * The vector lives for what is left of the view's TTL after the row's event_timestamp; a row already
 * past its TTL is not written. Incremental runs start at the view's high-water mark (first run: end -
 * TTL) and move it to `end` (materialize-state.ts), so a rerun of an interval writes nothing new.
 */
import type { Logger } from 'pino';
import type { FeatureValue, FeatureWrite, OnlineStore } from '../../connectors/contracts/online-store.ts';
import { PlatformError } from '../../schema/errors.ts';
import { entityOf, FEATURE_VIEWS, type FeatureView } from '../../schema/features/index.ts';
import type { JsonScalar } from '../models-sql/backend.ts';
import { stateClock, stateEntity } from './feature-state.ts';
import { quoteIdent } from './offline/historical-features.ts';
import type { OfflineSource } from './offline/offline-source.ts';
import { readMarks, writeMarks, type ViewMark } from './materialize-state.ts';

export interface MaterializeDeps {
  readonly source: OfflineSource;
  readonly store: OnlineStore;
  /** Folder of the high-water marks (`<dataDir>/features`). */
  readonly stateDir: string;
  readonly logger?: Logger;
  /** Wall clock for the TTL left (tests pin it to simulated time). Default Date.now. */
  readonly now?: () => number;
}

export interface ViewMaterialization {
  readonly view: string;
  readonly start: number;
  readonly end: number;
  /** Delta version of the source read; null when unversioned; absent table: no version, nothing written. */
  readonly version: number | null;
  /** Entities with a row in the interval. */
  readonly rows: number;
  readonly written: number;
  /** Not written: the online vector was as new or newer. */
  readonly skippedNewer: number;
  /** Not written: the row is past its TTL already. */
  readonly skippedExpired: number;
}

const CHUNK = 500;
const SQL_TYPE = { float64: 'DOUBLE', int64: 'BIGINT', string: 'VARCHAR' } as const;

export const eventTimestampField = (view: FeatureView): string => `${view.name}__event_timestamp`;

function onlineViews(names?: readonly string[]): FeatureView[] {
  const views = FEATURE_VIEWS.filter((v) => v.online);
  if (!names || names.length === 0) return views;
  return names.map((n) => {
    const v = views.find((x) => x.name === n);
    if (!v) throw new PlatformError('FEATURE_REF_INVALID', `no online feature view ${n} (${views.map((x) => x.name).join(', ')})`, { ref: n });
    return v;
  });
}

function latestRowsQuery(view: FeatureView, relation: string, start: number, end: number): string {
  const key = quoteIdent(entityOf(view.entity).joinKey);
  const ts = quoteIdent(view.source.timestampField);
  const cts = quoteIdent(view.source.createdTimestampColumn);
  const cols = view.schema.map((f) => `CAST(s.${quoteIdent(f.name)} AS ${SQL_TYPE[f.dtype]}) AS ${quoteIdent(f.name)}`).join(', ');
  return `SELECT * EXCLUDE (rn) FROM (
  SELECT CAST(s.${key} AS VARCHAR) AS __key, epoch_ms(s.${ts}) AS __ets, ${cols},
         row_number() OVER (PARTITION BY s.${key} ORDER BY s.${ts} DESC, s.${cts} DESC NULLS LAST) AS rn
  FROM ${relation} AS s
  WHERE s.${key} IS NOT NULL AND epoch_ms(s.${ts}) > ${start} AND epoch_ms(s.${ts}) <= ${end}
) WHERE rn = 1 ORDER BY __key`;
}

const asValue = (v: JsonScalar | undefined): FeatureValue => (v === undefined || v === null ? null : typeof v === 'boolean' ? (v ? 1 : 0) : v);

async function materializeView(d: MaterializeDeps, view: FeatureView, start: number, end: number): Promise<ViewMaterialization> {
  const base = { view: view.name, start, end };
  const snap = await d.source.snapshot(view.source.table);
  if (!snap) return { ...base, version: null, rows: 0, written: 0, skippedNewer: 0, skippedExpired: 0 };
  const rows = await d.source.query(latestRowsQuery(view, snap.sql, start, end));
  const now = (d.now ?? Date.now)();
  const tsField = eventTimestampField(view);
  let written = 0;
  let skippedNewer = 0;
  let skippedExpired = 0;
  for (let at = 0; at < rows.length; at += CHUNK) {
    const chunk = rows.slice(at, at + CHUNK);
    const ids = chunk.map((r) => String(r.__key));
    const current = await d.store.getMany(view.entity, ids);
    const streamed = view.stream && view.entity !== 'user' ? await d.store.getMany(stateEntity(view.entity), ids) : [];
    const writes: FeatureWrite[] = [];
    chunk.forEach((r, i) => {
      const ets = Number(r.__ets);
      const ttlLeft = view.ttlMs > 0 ? ets + view.ttlMs - now : Number.MAX_SAFE_INTEGER;
      if (ttlLeft <= 0) {
        skippedExpired++;
        return;
      }
      const cur = current[i];
      const curTs = cur ? Number(cur.values[tsField] ?? -1) : -1;
      const clock = cur && streamed[i] ? stateClock(streamed[i].values) : -1;
      if (cur && (curTs >= ets || clock >= ets)) {
        skippedNewer++;
        return;
      }
      const values: Record<string, FeatureValue> = { [tsField]: ets };
      for (const f of view.schema) values[f.name] = asValue(r[f.name]);
      writes.push({ entity: view.entity, id: ids[i] ?? '', values, ttlMs: Math.min(ttlLeft, 365 * 86_400_000) });
    });
    if (writes.length > 0) await d.store.put(writes);
    written += writes.length;
  }
  return { ...base, version: snap.version, rows: rows.length, written, skippedNewer, skippedExpired };
}

/** `feast materialize START END`: the online views (or `views`) over (start, end]; marks untouched. */
export async function materialize(d: MaterializeDeps, start: number, end: number, views?: readonly string[]): Promise<ViewMaterialization[]> {
  const out: ViewMaterialization[] = [];
  for (const v of onlineViews(views)) out.push(await materializeView(d, v, start, end));
  return out;
}

/** `feast materialize-incremental END`: each view from its high-water mark (first run: END - TTL) to END; the marks move to END. */
export async function materializeIncremental(d: MaterializeDeps, end: number, views?: readonly string[]): Promise<ViewMaterialization[]> {
  const marks: Record<string, ViewMark> = { ...(await readMarks(d.stateDir)) };
  const out: ViewMaterialization[] = [];
  for (const v of onlineViews(views)) {
    const from = marks[v.name]?.highWaterMark ?? (v.ttlMs > 0 ? end - v.ttlMs : 0);
    if (from >= end) {
      out.push({ view: v.name, start: from, end: from, version: null, rows: 0, written: 0, skippedNewer: 0, skippedExpired: 0 });
      continue;
    }
    const r = await materializeView(d, v, from, end);
    out.push(r);
    marks[v.name] = { highWaterMark: end, updatedAt: Date.now(), written: r.written };
    await writeMarks(d.stateDir, marks);
    d.logger?.info({ view: v.name, start: new Date(from).toISOString(), end: new Date(end).toISOString(), rows: r.rows, written: r.written, version: r.version }, 'feature view materialised');
  }
  return out;
}

/** daily_etl's `features` task: materialize-incremental up to the end of the logical date (or now, if earlier). */
export async function materializeForDate(d: MaterializeDeps, logicalDate: string): Promise<ViewMaterialization[]> {
  const endOfDay = Date.parse(`${logicalDate}T00:00:00Z`) + 86_400_000;
  return materializeIncremental(d, Math.min(endOfDay, (d.now ?? Date.now)()));
}
