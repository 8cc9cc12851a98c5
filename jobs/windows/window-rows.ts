/** Window views as Warehouse rows (SPEC_WINDOWS) and live messages; the schema of the engine checkpoint. */
import { z } from 'zod';
import type { Row, Warehouse } from '../../connectors/contracts/warehouse.ts';
import { PlatformError } from '../../schema/errors.ts';
import { utcDate } from '../../schema/tables/warehouse-tables.ts';
import { specChannel, specKeyChannel, SPEC_WINDOWS, windowKey, type SpecWindowMessage } from '../../schema/windows/window-tables.ts';
import type { SpecWindowView } from './spec-windows.ts';

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
/** The engine snapshot as checkpointed (validated when loaded). */
export const EngineSnapshotSchema = z.object({ format: z.literal(1), specs: z.record(z.string(), z.object({ fingerprint: z.string(), state: specState })) });
