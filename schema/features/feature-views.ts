/**
 * Feature views of the feature store, in Feast's vocabulary, as data (no I/O): an Entity is what a
 * feature describes and its join key; a FeatureView is a lake table (the batch source: one row per
 * (entity, event_timestamp), written by a gold SQL model in lake/models/gold) with its timestamp
 * columns, a TTL and the features (Feast's `schema` fields). One definition feeds both sides: the
 * offline store (point-in-time retrieval over the Delta snapshot, jobs/features/offline) and the
 * online store (materialisation, and the streaming job for the views marked `stream`).
 *
 * Add a view: an entry in FEATURE_VIEWS, and a gold model that writes its source table with the
 * join key, `event_timestamp`, `created_timestamp` and one column per feature.
 */
export interface FeatureStoreEntity {
  readonly name: 'driver' | 'rider' | 'region' | 'user';
  /** The column that identifies the entity in entity rows and in the view's source table. */
  readonly joinKey: string;
  readonly description: string;
}

export type FeatureDtype = 'float64' | 'int64' | 'string';

export interface FeatureField {
  readonly name: string;
  readonly dtype: FeatureDtype;
  readonly description: string;
}

export interface FeatureView {
  readonly name: string;
  readonly entity: FeatureStoreEntity['name'];
  readonly description: string;
  /** The batch source: a lake (Delta) table and its timestamp columns. */
  readonly source: {
    readonly table: string;
    /** When the values became true (Feast `timestamp_field`). */
    readonly timestampField: 'event_timestamp';
    /** When the row was written; breaks ties between rows of one entity at one event time. */
    readonly createdTimestampColumn: 'created_timestamp';
  };
  /** A row serves entity rows up to this long after its event_timestamp; older: null. */
  readonly ttlMs: number;
  readonly schema: readonly FeatureField[];
  /** Materialised into the online store. */
  readonly online: boolean;
  /** Also kept fresh in the online store by the streaming job (jobs/features/realtime-features.ts). */
  readonly stream: boolean;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const ENTITIES: readonly FeatureStoreEntity[] = [
  { name: 'driver', joinKey: 'driver_id', description: 'A driver (driver-events, trips)' },
  { name: 'rider', joinKey: 'rider_id', description: 'A rider who books trips' },
  { name: 'region', joinKey: 'region_id', description: 'A city region (schema/regions.ts)' },
  { name: 'user', joinKey: 'user_id', description: 'The paying user of a payment (seed 001 user_id)' },
];

const ts = { timestampField: 'event_timestamp', createdTimestampColumn: 'created_timestamp' } as const;

export const FEATURE_VIEWS: readonly FeatureView[] = [
  {
    name: 'driver_stats', entity: 'driver', online: true, stream: true, ttlMs: 2 * DAY,
    description: "A driver's completed trips and ratings over the last 7 days, as of each of the driver's events",
    source: { table: 'gold.driver_feature_rows', ...ts },
    schema: [
      { name: 'driver_avg_rating_7d', dtype: 'float64', description: 'Average rating of the driver over the last 7 days' },
      { name: 'driver_trips_7d', dtype: 'int64', description: 'Trips the driver completed in the last 7 days' },
    ],
  },
  {
    name: 'rider_stats', entity: 'rider', online: true, stream: true, ttlMs: 2 * DAY,
    description: "A rider's completed trips over the last 30 days, as of each completed trip",
    source: { table: 'gold.rider_feature_rows', ...ts },
    schema: [{ name: 'rider_trips_30d', dtype: 'int64', description: 'Trips the rider completed in the last 30 days' }],
  },
  {
    name: 'region_demand', entity: 'region', online: true, stream: true, ttlMs: 10 * MINUTE,
    description: 'Bookings created in the region over the last hour, as of each booking',
    source: { table: 'gold.region_demand_rows', ...ts },
    schema: [{ name: 'region_demand_1h', dtype: 'int64', description: 'Bookings created in the region in the last hour' }],
  },
  {
    name: 'user_payments', entity: 'user', online: true, stream: false, ttlMs: HOUR,
    description: "Seed 001's fraud signals of a user's payments: velocity, amount statistics over the last hour, the payment's method and local time",
    source: { table: 'gold.user_payment_rows', ...ts },
    schema: [
      { name: 'user_payments_30m', dtype: 'int64', description: "The user's payments initiated in the last 30 minutes (this one included)" },
      { name: 'user_payments_1h', dtype: 'int64', description: "The user's payments initiated in the last hour (this one included)" },
      { name: 'amount', dtype: 'float64', description: 'Amount of the latest payment' },
      { name: 'user_amount_avg_1h', dtype: 'float64', description: "Mean amount of the user's payments in the last hour" },
      { name: 'user_amount_max_1h', dtype: 'float64', description: "Largest amount of the user's payments in the last hour" },
      { name: 'user_amount_std_1h', dtype: 'float64', description: "Population standard deviation of the user's amounts in the last hour (0 for one payment)" },
      { name: 'method', dtype: 'string', description: 'Payment method of the latest payment (card, cash, wallet, crypto)' },
      { name: 'local_hour', dtype: 'int64', description: 'Local hour (0-23) of the latest payment in its region' },
      { name: 'is_weekend', dtype: 'int64', description: '1 when the latest payment was on a local Saturday or Sunday' },
      { name: 'known_fraud_flag', dtype: 'int64', description: "1 when the latest payment carried seed 001's known-fraud flag" },
      { name: 'high_risk_region', dtype: 'int64', description: '1 when the latest payment was in a high-risk region' },
    ],
  },
];

export function entityOf(name: FeatureStoreEntity['name']): FeatureStoreEntity {
  const e = ENTITIES.find((x) => x.name === name);
  if (!e) throw new Error(`unknown entity ${name}`);
  return e;
}

export function featureView(name: string): FeatureView | undefined {
  return FEATURE_VIEWS.find((v) => v.name === name);
}
