/** Feature definitions of seed 000's feature store, served by the features subgraph. */
export type FeatureEntity = 'driver' | 'rider' | 'region';

export interface FeatureDefinition {
  readonly name: string;
  readonly entity: FeatureEntity;
  readonly description: string;
  readonly valueType: 'float' | 'int';
  /** The window the value aggregates over. */
  readonly windowMs: number;
  /** How long a materialised value stays valid in the online store. */
  readonly ttlMs: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const FEATURES: readonly FeatureDefinition[] = [
  { name: 'driver_avg_rating_7d', entity: 'driver', description: 'Average rating of the driver over the last 7 days', valueType: 'float', windowMs: 7 * DAY, ttlMs: 2 * DAY },
  { name: 'driver_trips_7d', entity: 'driver', description: 'Trips the driver completed in the last 7 days', valueType: 'int', windowMs: 7 * DAY, ttlMs: 2 * DAY },
  { name: 'rider_trips_30d', entity: 'rider', description: 'Trips the rider completed in the last 30 days', valueType: 'int', windowMs: 30 * DAY, ttlMs: 2 * DAY },
  { name: 'region_demand_1h', entity: 'region', description: 'Bookings created in the region in the last hour', valueType: 'int', windowMs: HOUR, ttlMs: 10 * 60_000 },
];

export function featuresOf(entity: FeatureEntity): readonly FeatureDefinition[] {
  return FEATURES.filter((f) => f.entity === entity);
}
