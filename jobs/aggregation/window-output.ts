/**
 * The region and platform specs' windows (schema/windows/region-specs.ts) as the tables and live
 * messages callers have always read: REGION_WINDOWS / PLATFORM_WINDOWS rows and WindowMessage on
 * the region / platform channels (schema/live-channels.ts). A view of a region spec has one key
 * value (the region), a platform spec's none; the window size is its length (tumbling).
 */
import type { Row, Warehouse } from '../../connectors/contracts/warehouse.ts';
import { PlatformError } from '../../schema/errors.ts';
import { platformWindowsChannel, regionWindowsChannel, type WindowMessage } from '../../schema/live-channels.ts';
import { PLATFORM_WINDOWS, REGION_WINDOWS, utcDate } from '../../schema/tables/warehouse-tables.ts';
import type { SpecWindowView } from '../windows/spec-windows.ts';
import type { WindowOutput } from '../windows/window-runner.ts';
import { rowKey } from '../windows/window-rows.ts';

const MINUTE = 60_000;

/** The region of a view (null: a platform window). */
export const regionOf = (v: SpecWindowView): string | null => v.keyValues[0] ?? null;
export const minutesOf = (v: SpecWindowView): number => (v.windowEnd - v.windowStart) / MINUTE;
const count = (v: SpecWindowView, m: string): number => v.values[m] ?? 0;

export function toRow(v: SpecWindowView): Row {
  const region = regionOf(v);
  const row: Row = {
    window_minutes: minutesOf(v),
    window_start: v.windowStart,
    window_end: v.windowEnd,
    trip_count: count(v, 'tripCount'),
    completed_count: count(v, 'completedCount'),
    cancelled_count: count(v, 'cancelledCount'),
    cancellation_rate: count(v, 'cancellationRate'),
    price_count: count(v, 'priceCount'),
    price_sum: count(v, 'priceSum'),
    avg_price: v.values['avgPrice'] ?? null,
    revenue: count(v, 'revenue'),
    is_final: v.isFinal,
    window_date: utcDate(v.windowStart),
    version: v.version,
  };
  return region === null ? row : { region_id: region, ...row };
}

export function toMessage(v: SpecWindowView): WindowMessage {
  const region = regionOf(v);
  return {
    ...(region === null ? {} : { regionId: region }),
    windowMinutes: minutesOf(v),
    windowStart: v.windowStart,
    windowEnd: v.windowEnd,
    tripCount: count(v, 'tripCount'),
    completedCount: count(v, 'completedCount'),
    cancelledCount: count(v, 'cancelledCount'),
    cancellationRate: count(v, 'cancellationRate'),
    avgPrice: v.values['avgPrice'] ?? null,
    revenue: count(v, 'revenue'),
    isFinal: v.isFinal,
  };
}

export const channelOf = (v: SpecWindowView): string => {
  const region = regionOf(v);
  return region === null ? platformWindowsChannel(minutesOf(v)) : regionWindowsChannel(minutesOf(v), region);
};

async function insertAll(warehouse: Warehouse, table: string, rows: readonly Row[]): Promise<void> {
  if (rows.length === 0) return;
  const r = await warehouse.insert(table, rows);
  const first = r.rejected[0];
  if (first) throw new PlatformError('WAREHOUSE_ROW_REJECTED', `${r.rejected.length} ${table} rows rejected: ${first.reason}`, { table });
}

/** region_windows / platform_windows rows; live on the region and platform channels. */
export const regionWindowsOutput = (warehouse: Warehouse): WindowOutput => ({
  tables: [REGION_WINDOWS, PLATFORM_WINDOWS],
  write: async (views) => {
    await insertAll(warehouse, REGION_WINDOWS.name, views.filter((v) => regionOf(v) !== null).map(toRow));
    await insertAll(warehouse, PLATFORM_WINDOWS.name, views.filter((v) => regionOf(v) === null).map(toRow));
  },
  live: { keyOf: rowKey, channelsOf: (v) => [channelOf(v)], messageOf: toMessage },
  liveMetricNames: { published: 'gofuture_aggregation_windows_published_total', failed: 'gofuture_aggregation_publish_failures_total' },
});
