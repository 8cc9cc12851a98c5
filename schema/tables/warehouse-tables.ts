/**
 * Warehouse table contracts, written once and rendered to DDL by each Warehouse implementation
 * (DuckDB, ClickHouse). Types are portable: timestamps are epoch milliseconds in int64 columns and
 * every time bucket a query groups by is stored as its own column at insert time, so the SQL the
 * subgraphs send runs unchanged on DuckDB and on ClickHouse 18.16 (no toStartOfInterval there).
 */
import { ANOMALY_ALERTS, SAGA_TABLES } from './saga-tables.ts';

export type ColumnType = 'string' | 'int64' | 'float64' | 'bool' | 'date';

export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable?: boolean;
}

export interface TableContract {
  readonly name: string;
  readonly columns: readonly ColumnSpec[];
  /** Sorting key (ClickHouse ORDER BY); also the primary key where `dedup` is set. */
  readonly orderBy: readonly string[];
  /** A `date` column the table is partitioned by (one partition per day). */
  readonly partitionBy?: string;
  /**
   * At most one visible row per `key`: the one with the greatest `version` wins
   * (ReplacingMergeTree(version) on ClickHouse, upsert on DuckDB). `query` sees only winners.
   */
  readonly dedup?: { readonly key: readonly string[]; readonly version: string };
}

const c = (name: string, type: ColumnType, nullable = false): ColumnSpec => ({ name, type, nullable });

export const TRIPS: TableContract = {
  name: 'trips',
  columns: [
    c('trip_id', 'string'), c('region_id', 'string'), c('rider_id', 'string'), c('driver_id', 'string', true),
    c('status', 'string'), // requested | accepted | started | completed | cancelled
    c('fare', 'float64', true), c('currency', 'string'), c('surge_multiplier', 'float64'),
    c('distance_km', 'float64'), c('duration_s', 'float64', true), c('weather', 'string'),
    c('requested_at', 'int64'), c('accepted_at', 'int64', true), c('started_at', 'int64', true),
    c('completed_at', 'int64', true), c('cancelled_at', 'int64', true),
    c('cancelled_by', 'string', true), c('cancel_reason', 'string', true),
    c('requested_hour', 'int64'), c('trip_date', 'date'),
    c('version', 'int64'),
  ],
  orderBy: ['trip_id'],
  partitionBy: 'trip_date',
  dedup: { key: ['trip_id'], version: 'version' },
};

export const PAYMENTS: TableContract = {
  name: 'payments',
  columns: [
    c('payment_id', 'string'), c('trip_id', 'string'), c('user_id', 'string'), c('region_id', 'string'),
    c('amount', 'float64'), c('currency', 'string'), c('method', 'string'),
    c('status', 'string'), // initiated | completed | failed | refunded
    c('failure_reason', 'string', true), c('refunded_amount', 'float64'),
    c('fraud_score', 'float64'), c('risk_level', 'string'), c('fraud_reasons', 'string'),
    c('initiated_at', 'int64'), c('updated_at', 'int64'), c('payment_hour', 'int64'), c('payment_date', 'date'),
    c('version', 'int64'),
  ],
  orderBy: ['payment_id'],
  partitionBy: 'payment_date',
  dedup: { key: ['payment_id'], version: 'version' },
};

export const DRIVERS: TableContract = {
  name: 'drivers',
  columns: [
    c('driver_id', 'string'), c('name', 'string'), c('region_id', 'string'), c('status', 'string'),
    c('updated_at', 'int64'), c('version', 'int64'),
  ],
  orderBy: ['driver_id'],
  dedup: { key: ['driver_id'], version: 'version' },
};

export const DRIVER_RATINGS: TableContract = {
  name: 'driver_ratings',
  columns: [
    c('booking_id', 'string'), c('driver_id', 'string'), c('rider_id', 'string'), c('rating', 'int64'),
    c('rated_at', 'int64'), c('rated_date', 'date'), c('version', 'int64'),
  ],
  orderBy: ['booking_id'],
  partitionBy: 'rated_date',
  dedup: { key: ['booking_id'], version: 'version' },
};

/** Per-region tumbling windows written by the stream aggregation job (one row per region, window size and start). */
export const REGION_WINDOWS: TableContract = {
  name: 'region_windows',
  columns: [
    c('region_id', 'string'), c('window_minutes', 'int64'), c('window_start', 'int64'), c('window_end', 'int64'),
    c('trip_count', 'int64'), c('completed_count', 'int64'), c('cancelled_count', 'int64'),
    c('cancellation_rate', 'float64'), c('price_count', 'int64'), c('price_sum', 'float64'), c('avg_price', 'float64', true),
    c('revenue', 'float64'), c('is_final', 'bool'), c('window_date', 'date'), c('version', 'int64'),
  ],
  orderBy: ['region_id', 'window_minutes', 'window_start'],
  partitionBy: 'window_date',
  dedup: { key: ['region_id', 'window_minutes', 'window_start'], version: 'version' },
};

/** Platform totals per window, same shape without the region. */
export const PLATFORM_WINDOWS: TableContract = {
  name: 'platform_windows',
  columns: [
    c('window_minutes', 'int64'), c('window_start', 'int64'), c('window_end', 'int64'),
    c('trip_count', 'int64'), c('completed_count', 'int64'), c('cancelled_count', 'int64'),
    c('cancellation_rate', 'float64'), c('price_count', 'int64'), c('price_sum', 'float64'), c('avg_price', 'float64', true),
    c('revenue', 'float64'), c('is_final', 'bool'), c('window_date', 'date'), c('version', 'int64'),
  ],
  orderBy: ['window_minutes', 'window_start'],
  partitionBy: 'window_date',
  dedup: { key: ['window_minutes', 'window_start'], version: 'version' },
};

/** Status of every background job, upserted by the job runner. */
export const JOB_STATUS: TableContract = {
  name: 'job_status',
  columns: [
    c('job', 'string'), c('state', 'string'), c('processed', 'int64'), c('dead_lettered', 'int64'),
    c('last_error', 'string', true), c('updated_at', 'int64'), c('version', 'int64'),
  ],
  orderBy: ['job'],
  dedup: { key: ['job'], version: 'version' },
};

/** The tables the platform creates at start; the saga and anomaly tables too, so their GraphQL fields answer without the jobs. */
export const WAREHOUSE_TABLES: readonly TableContract[] = [TRIPS, PAYMENTS, DRIVERS, DRIVER_RATINGS, REGION_WINDOWS, PLATFORM_WINDOWS, JOB_STATUS, ...SAGA_TABLES, ANOMALY_ALERTS];

const HOUR_MS = 3_600_000;
/** Start of the UTC hour, epoch ms. */
export const hourStart = (ms: number): number => Math.floor(ms / HOUR_MS) * HOUR_MS;
/** `YYYY-MM-DD` (UTC) of an epoch-ms instant: the value of `date` columns. */
export const utcDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
