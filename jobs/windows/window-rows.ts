/** Window views as Warehouse rows (SPEC_WINDOWS) and live messages; the engine checkpoint row. */
import { z } from 'zod';
import type { Row, Warehouse } from '../../connectors/contracts/warehouse.ts';
import { PlatformError } from '../../schema/errors.ts';
import { utcDate } from '../../schema/tables/warehouse-tables.ts';
import { specChannel, specKeyChannel, SPEC_WINDOWS, WINDOW_CHECKPOINTS, windowKey, type SpecWindowMessage } from '../../schema/windows/window-tables.ts';
import type { SpecWindowView } from './spec-windows.ts';
import type { EngineSnapshot } from './window-engine.ts';

export const rowKey = (v: SpecWindowView): string => `${v.spec}|${windowKey(v.keyValues)}|${v.windowStart}`;

export function toRow(v: SpecWindowView): Row {
  return {
    spec: v.spec,
    window_key: windowKey(v.keyValues),
    key_values: JSON.stringify(v.keyValues),
    window_start: v.windowStart,
    window_end: v.windowEnd,
    measures: JSON.stringify(v.values),
    events: v.events,
    is_final: v.isFinal,
    retracted: v.retracted,
    window_date: utcDate(v.windowStart),
    version: v.version,
  };
}

export function toMessage(v: SpecWindowView): SpecWindowMessage {
  return { spec: v.spec, key: windowKey(v.keyValues), keyValues: v.keyValues, windowStart: v.windowStart, windowEnd: v.windowEnd, values: v.values, events: v.events, isFinal: v.isFinal, retracted: v.retracted };
}

export const channelsOf = (v: SpecWindowView): string[] => [specKeyChannel(v.spec, windowKey(v.keyValues)), specChannel(v.spec)];

export async function insertWindows(warehouse: Warehouse, views: readonly SpecWindowView[]): Promise<void> {
  if (views.length === 0) return;
  const r = await warehouse.insert(SPEC_WINDOWS.name, views.map(toRow));
  const first = r.rejected[0];
  if (first) throw new PlatformError('WAREHOUSE_ROW_REJECTED', `${r.rejected.length} ${SPEC_WINDOWS.name} rows rejected: ${first.reason}`, { table: SPEC_WINDOWS.name });
}

const acc = z.object({ n: z.number(), s: z.number(), v: z.number().nullable(), d: z.array(z.string()).optional() });
const specState = z.object({
  watermark: z.number().nullable(),
  partitions: z.record(z.string(), z.object({ nextOffset: z.string().regex(/^\d+$/).nullable(), maxEventTime: z.number().nullable(), mark: z.number().nullable() })),
  windows: z.array(z.object({ key: z.array(z.string()), start: z.number(), last: z.number(), events: z.number().int().nonnegative(), accs: z.array(acc), seen: z.array(z.string()), emittedStart: z.number().nullable() })),
});
const SnapshotSchema = z.object({ format: z.literal(1), specs: z.record(z.string(), z.object({ fingerprint: z.string(), state: specState })) });

export interface EngineCheckpoint {
  readonly snapshot: EngineSnapshot;
  readonly seq: number;
}

export async function loadEngineCheckpoint(warehouse: Warehouse, job: string): Promise<EngineCheckpoint | null> {
  const rows = await warehouse.query<{ state: string; version: number }>(`SELECT state, version FROM ${WINDOW_CHECKPOINTS.name} WHERE job = {job} ORDER BY version DESC LIMIT 1`, { job });
  const row = rows[0];
  if (!row) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(row.state));
  } catch (e) {
    throw new PlatformError('WAREHOUSE_QUERY_FAILED', `window checkpoint of ${job} is not JSON`, { job }, { cause: e });
  }
  const r = SnapshotSchema.safeParse(parsed);
  if (!r.success) throw new PlatformError('WAREHOUSE_QUERY_FAILED', `window checkpoint of ${job} is invalid: ${r.error.issues[0]?.message ?? 'unknown'}`, { job });
  return { snapshot: r.data, seq: Number(row.version) };
}

export async function saveEngineCheckpoint(warehouse: Warehouse, job: string, snapshot: EngineSnapshot, seq: number): Promise<void> {
  const r = await warehouse.insert(WINDOW_CHECKPOINTS.name, [{ job, state: JSON.stringify(snapshot), updated_at: Date.now(), version: seq }]);
  const rejected = r.rejected[0];
  if (rejected) throw new PlatformError('WAREHOUSE_ROW_REJECTED', `window checkpoint rejected: ${rejected.reason}`, { job });
}
