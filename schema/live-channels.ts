/**
 * PubSub channels of live aggregates and their message shapes: the stream aggregation job publishes
 * them, the metrics subgraph subscribes to them. Data and types only.
 */

/** One tumbling window of a region (regionId set) or of the whole platform (regionId absent). */
export interface WindowMessage {
  readonly regionId?: string;
  readonly windowMinutes: number;
  /** Epoch ms, inclusive. */
  readonly windowStart: number;
  /** Epoch ms, exclusive. */
  readonly windowEnd: number;
  readonly tripCount: number;
  readonly completedCount: number;
  readonly cancelledCount: number;
  /** cancelled / trips, 0 when there were no trips. */
  readonly cancellationRate: number;
  /** Mean PriceCalculated final price; null when no price was calculated in the window. */
  readonly avgPrice: number | null;
  /** Sum of BookingCompleted fares. */
  readonly revenue: number;
  /** True once the watermark has passed windowEnd: the values will not change any more. */
  readonly isFinal: boolean;
}

/** Live windows of one region and window size. */
export const regionWindowsChannel = (windowMinutes: number, regionId: string): string => `region-windows:${windowMinutes}:${regionId}`;

/** Live platform totals (all regions) of one window size. */
export const platformWindowsChannel = (windowMinutes: number): string => `platform-windows:${windowMinutes}`;

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Type guard for messages read from the channels above (e.g. as the filter of subscribeIterator). */
export function isWindowMessage(m: unknown): m is WindowMessage {
  if (typeof m !== 'object' || m === null) return false;
  const o = m as Record<string, unknown>;
  return (
    (o['regionId'] === undefined || typeof o['regionId'] === 'string') &&
    isNum(o['windowMinutes']) &&
    isNum(o['windowStart']) &&
    isNum(o['windowEnd']) &&
    isNum(o['tripCount']) &&
    isNum(o['completedCount']) &&
    isNum(o['cancelledCount']) &&
    isNum(o['cancellationRate']) &&
    (o['avgPrice'] === null || isNum(o['avgPrice'])) &&
    isNum(o['revenue']) &&
    typeof o['isFinal'] === 'boolean'
  );
}
