/**
 * The stream aggregation's region and platform windows (tables region_windows / platform_windows,
 * GraphQL regionWindows / platformWindows / regionAggregates / platformTotals) as window specs:
 * tumbling windows of each configured size (default 5 / 15 / 60 minutes), keyed by region or by
 * nothing. The aggregation job (jobs/aggregation) runs exactly these on the window engine; all of
 * them form ONE lateness group, so an event late for its smallest window counts in no size and no
 * platform total (a 60-minute window is always the sum of its 5-minute ones, a platform window the
 * sum of its regions'). docs/decisions/0021-window-specs.md.
 */
import type { WindowSpecInput } from './window-spec.ts';

/** The lateness group of the region and platform windows. */
export const REGION_LATENESS_GROUP = 'region-windows';
const DEFAULT_LATENESS_MS = 30_000;

const measures: WindowSpecInput['measures'] = {
  tripCount: { kind: 'count', events: ['BookingCreated'] },
  completedCount: { kind: 'count', events: ['BookingCompleted'] },
  cancelledCount: { kind: 'count', events: ['BookingCancelled'] },
  cancellationRate: { kind: 'ratio', numerator: 'cancelledCount', denominator: ['completedCount', 'cancelledCount'], whenZero: 0 },
  priceCount: { kind: 'count', events: ['PriceCalculated'] },
  priceSum: { kind: 'sum', field: 'final_price', events: ['PriceCalculated'] },
  avgPrice: { kind: 'avg', field: 'final_price', events: ['PriceCalculated'] },
  revenue: { kind: 'sum', field: 'fare', events: ['BookingCompleted'] },
};

export const regionWindowSpec = (minutes: number, allowedLatenessMs = DEFAULT_LATENESS_MS): WindowSpecInput => ({
  name: `region-${minutes}m`,
  description: `Per region, ${minutes}-minute tumbling windows of bookings and prices (region_windows).`,
  source: 'seed 002: Flink region aggregates',
  window: { kind: 'tumbling', sizeMinutes: minutes },
  keyBy: ['region'],
  measures,
  allowedLatenessMs,
  latenessGroup: REGION_LATENESS_GROUP,
});

export const platformWindowSpec = (minutes: number, allowedLatenessMs = DEFAULT_LATENESS_MS): WindowSpecInput => ({
  ...regionWindowSpec(minutes, allowedLatenessMs),
  name: `platform-${minutes}m`,
  description: `The whole platform, ${minutes}-minute tumbling windows (platform_windows).`,
  keyBy: [],
});

/** The region and platform specs of the given sizes (the aggregation job's config). */
export const regionSpecs = (windowMinutes: readonly number[], allowedLatenessMs = DEFAULT_LATENESS_MS): WindowSpecInput[] =>
  windowMinutes.flatMap((m) => [regionWindowSpec(m, allowedLatenessMs), platformWindowSpec(m, allowedLatenessMs)]);

export const REGION_SPECS: readonly WindowSpecInput[] = regionSpecs([5, 15, 60]);
