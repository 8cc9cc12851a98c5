/**
 * Gold marts published to the Warehouse (DuckDB / ClickHouse) by partition replace: which gold model
 * feeds which warehouse table, and the warehouse contract (columns, partitioned by metric_date) the
 * BI subgraphs can read. Data only.
 */
import type { ColumnSpec, ColumnType, TableContract } from '../tables/warehouse-tables.ts';

const c = (name: string, type: ColumnType, nullable = false): ColumnSpec => ({ name, type, nullable });
const date = c('metric_date', 'date');

export interface GoldMart {
  /** The gold model (lake table). */
  readonly model: string;
  /**
   * The columns that identify a row (metric_date first): the order BI pages are read in. The table's
   * orderBy is its non-nullable part, since ClickHouse 18.16 refuses a Nullable sorting-key column.
   */
  readonly grain: readonly string[];
  readonly table: TableContract;
}

const mart = (model: string, columns: ColumnSpec[], grain: string[]): GoldMart => {
  const nullable = new Set(columns.filter((x) => x.nullable).map((x) => x.name));
  return {
    model,
    grain: ['metric_date', ...grain],
    table: { name: `mart_${model.replace(/^gold\./, '')}`, columns: [date, ...columns], orderBy: ['metric_date', ...grain.filter((k) => !nullable.has(k))], partitionBy: 'metric_date' },
  };
};

export const GOLD_MARTS: readonly GoldMart[] = [
  mart('gold.trips_region_hourly', [c('region_id', 'string'), c('region_name', 'string', true), c('hour', 'int64'), c('trips', 'int64'), c('completed_trips', 'int64'), c('cancelled_trips', 'int64'), c('revenue', 'float64'), c('avg_fare', 'float64', true)], ['region_id', 'hour']),
  mart('gold.revenue_daily', [c('region_id', 'string'), c('region_name', 'string', true), c('trips', 'int64'), c('completed_trips', 'int64'), c('cancelled_trips', 'int64'), c('revenue', 'float64'), c('avg_fare', 'float64', true)], ['region_id']),
  mart('gold.revenue_by_payment_method', [c('method', 'string', true), c('payments', 'int64'), c('completed_payments', 'int64'), c('revenue', 'float64'), c('refunded', 'float64')], ['method']),
  mart('gold.driver_daily_stats', [c('driver_id', 'string'), c('trips_completed', 'int64'), c('revenue', 'float64'), c('distance_km', 'float64'), c('ratings', 'int64'), c('avg_rating', 'float64', true)], ['driver_id']),
  mart('gold.fraud_rate_region_daily', [c('region_id', 'string'), c('region_name', 'string', true), c('payments', 'int64'), c('fraud_payments', 'int64'), c('fraud_rate', 'float64'), c('high_value_payments', 'int64')], ['region_id']),
  mart('gold.payment_windows_10m', [c('window_start', 'int64'), c('region_id', 'string', true), c('method', 'string', true), c('tx_count', 'int64'), c('revenue', 'float64'), c('avg_value', 'float64', true), c('fraud_rate', 'float64'), c('distinct_users', 'int64')], ['window_start', 'region_id', 'method']),
  mart('gold.platform_hourly', [c('hour', 'int64'), c('payments', 'int64'), c('revenue', 'float64'), c('avg_value', 'float64', true), c('card_payments', 'int64'), c('cash_payments', 'int64'), c('wallet_payments', 'int64'), c('crypto_payments', 'int64'), c('fraud_rate', 'float64'), c('high_value_rate', 'float64'), c('distinct_users', 'int64')], ['hour']),
];

export const MART_TABLES: readonly TableContract[] = GOLD_MARTS.map((m) => m.table);
