/**
 * A ClickHouse-only extra, outside the table contracts: the daily rollup of completed trips per
 * region, kept by a MATERIALIZED VIEW over the physical trips table into an AggregatingMergeTree.
 *
 *   trips_daily_mv (region_id String, trip_date Date,
 *                   completed_rows  AggregateFunction(count),
 *                   completed_trips AggregateFunction(uniqExact, String),
 *                   fare_sum        AggregateFunction(sum, Nullable(Float64)))
 *
 * Read it with the -Merge combinators:
 *   SELECT region_id, trip_date, countMerge(completed_rows) AS rows,
 *          uniqExactMerge(completed_trips) AS trips, sumMerge(fare_sum) AS fare
 *   FROM trips_daily_mv GROUP BY region_id, trip_date
 *
 * What it counts: every row inserted into `trips_data` with status 'completed', at insert time.
 * `completed_trips` is exact whatever the number of versions of a trip; `completed_rows` and
 * `fare_sum` count a completed trip again if it is re-inserted (a rerun). `replacePartition` moves
 * parts without inserting, so the rollup does not see it: the `trips` view is the exact answer, the
 * rollup the cheap one for dashboards.
 */
import type { TableContract } from '../../schema/tables/warehouse-tables.ts';
import { ident, physicalName } from './clickhouse-sql.ts';

export const TRIPS_DAILY_MV = 'trips_daily_mv';

const NEEDS = ['trip_id', 'region_id', 'status', 'fare', 'trip_date'] as const;

/** The rollup's DDL when `t` is the trips table (with the columns it reads), else nothing. */
export function rollupSql(t: TableContract): string[] {
  if (t.name !== 'trips') return [];
  const names = new Set(t.columns.map((c) => c.name));
  if (!NEEDS.every((n) => names.has(n))) return [];
  const source = ident(physicalName(t));
  return [
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${ident(TRIPS_DAILY_MV)}
     ENGINE = AggregatingMergeTree() PARTITION BY toYYYYMM(trip_date) ORDER BY (region_id, trip_date)
     AS SELECT region_id, trip_date,
       countState() AS completed_rows,
       uniqExactState(trip_id) AS completed_trips,
       sumState(fare) AS fare_sum
     FROM ${source} WHERE status = 'completed'
     GROUP BY region_id, trip_date`,
  ];
}
