/**
 * The stream aggregation's region and platform windows (jobs/aggregation, tables region_windows /
 * platform_windows, GraphQL regionWindows / regionAggregates / platformTotals) written as window
 * specs: tumbling 5 / 15 / 60 minutes, keyed by region or by nothing, with the measures of
 * jobs/aggregation/window-output.ts. The aggregation job still computes those tables (see
 * docs/decisions/0021-window-specs.md for why and for the one difference: the aggregation job drops a
 * late event from every size once its smallest window closed, a spec decides lateness per spec).
 */
import type { WindowSpecInput } from './window-spec.ts';

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

export const regionWindowSpec = (minutes: number): WindowSpecInput => ({
  name: `region-${minutes}m`,
  description: `Per region, ${minutes}-minute tumbling windows of bookings and prices (the aggregation job's region_windows).`,
  source: 'seed 002: Flink region aggregates',
  window: { kind: 'tumbling', sizeMinutes: minutes },
  keyBy: ['region'],
  measures,
  allowedLatenessMs: 30_000,
});

export const platformWindowSpec = (minutes: number): WindowSpecInput => ({
  ...regionWindowSpec(minutes),
  name: `platform-${minutes}m`,
  description: `The whole platform, ${minutes}-minute tumbling windows (the aggregation job's platform_windows).`,
  keyBy: [],
});

export const REGION_SPECS: readonly WindowSpecInput[] = [5, 15, 60].flatMap((m) => [regionWindowSpec(m), platformWindowSpec(m)]);
