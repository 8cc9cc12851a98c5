/** Window views as Warehouse rows (REGION_WINDOWS / PLATFORM_WINDOWS) and as live PubSub messages. */
import type { Row } from '../../connectors/contracts/warehouse.ts';
import { platformWindowsChannel, regionWindowsChannel, type WindowMessage } from '../../schema/live-channels.ts';
import { utcDate } from '../../schema/tables/warehouse-tables.ts';
import type { WindowCounters, WindowView } from './window-state.ts';

/** Sums of money are rounded to 1e-6 so float addition order never shows. */
const money = (x: number): number => Math.round(x * 1e6) / 1e6;

/**
 * The share of the bookings that ENDED in the window (BookingCompleted or BookingCancelled with event
 * time in it) that ended cancelled: cancelled / (completed + cancelled), in [0, 1]; 0 when none
 * ended. Numerator and denominator count the same events, so it is a rate in every window, live and
 * final alike (the old cancelled / created mixed two populations and went above 1).
 */
export const cancellationRate = (c: Readonly<WindowCounters>): number => {
  const ended = c.completedCount + c.cancelledCount;
  return ended === 0 ? 0 : c.cancelledCount / ended;
};
/** Mean final_price of the PriceCalculated events in the window; null when there is none. */
export const avgPrice = (c: Readonly<WindowCounters>): number | null => (c.priceCount === 0 ? null : money(c.priceSum / c.priceCount));

export function toRow(v: WindowView): Row {
  const c = v.counters;
  const row: Row = {
    window_minutes: v.windowMinutes,
    window_start: v.windowStart,
    window_end: v.windowEnd,
    trip_count: c.tripCount,
    completed_count: c.completedCount,
    cancelled_count: c.cancelledCount,
    cancellation_rate: cancellationRate(c),
    price_count: c.priceCount,
    price_sum: money(c.priceSum),
    avg_price: avgPrice(c),
    revenue: money(c.revenue),
    is_final: v.isFinal,
    window_date: utcDate(v.windowStart),
    version: v.version,
  };
  return v.regionId === null ? row : { region_id: v.regionId, ...row };
}

export function toMessage(v: WindowView): WindowMessage {
  const c = v.counters;
  return {
    ...(v.regionId === null ? {} : { regionId: v.regionId }),
    windowMinutes: v.windowMinutes,
    windowStart: v.windowStart,
    windowEnd: v.windowEnd,
    tripCount: c.tripCount,
    completedCount: c.completedCount,
    cancelledCount: c.cancelledCount,
    cancellationRate: cancellationRate(c),
    avgPrice: avgPrice(c),
    revenue: money(c.revenue),
    isFinal: v.isFinal,
  };
}

export const channelOf = (v: WindowView): string =>
  v.regionId === null ? platformWindowsChannel(v.windowMinutes) : regionWindowsChannel(v.windowMinutes, v.regionId);

/** The dedup key of a window (table key columns joined). */
export const keyOf = (v: WindowView): string => `${v.regionId ?? '*'}|${v.windowMinutes}|${v.windowStart}`;
