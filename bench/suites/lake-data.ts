/**
 * Data for the `lake` suites, made quickly by DuckDB SQL generators (range(), hash()):
 * - `bronzeRecords(n)`: domain-event records as the event log carries them (JSON values ~300 bytes,
 *   keys, headers), spread over the four domain topics;
 * - `writeSilverDay(...)`: one day of the silver tables the gold models read, sized from a number of
 *   domain events (a trip is ~8 events: 4 booking, 1 pricing, 2 payment, 1 rating), written into
 *   Delta tables by our writer (commitQuery), with `silver.events` holding every event of the day.
 *   Only the columns the gold models read are generated (silver.events' `region_id` is the one its
 *   JSON `data` names, as the silver model extracts it).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { commitQuery, type LakeTables } from '../../jobs/lake/delta/index.ts';
import type { ProducerRecord } from '../../connectors/contracts/event-log.ts';
import { REGIONS } from '../../schema/regions.ts';

export const EVENTS_PER_TRIP = 8;
export const DOMAIN_TOPIC_NAMES = ['booking-events', 'pricing-events', 'payment-events', 'driver-events'] as const;

/** `n` records per topic in turn, event time spread over `day` (UTC). */
export function bronzeRecords(n: number, day: string): Map<string, ProducerRecord[]> {
  const out = new Map<string, ProducerRecord[]>(DOMAIN_TOPIC_NAMES.map((t) => [t, []]));
  const t0 = Date.parse(`${day}T00:00:00Z`);
  for (let i = 0; i < n; i++) {
    const topic = DOMAIN_TOPIC_NAMES[i % DOMAIN_TOPIC_NAMES.length] as string;
    const at = t0 + Math.floor((i / n) * 86_400_000);
    const region = REGIONS[i % REGIONS.length]?.id ?? 'msk-center';
    const value = JSON.stringify({
      event_id: `e-${i}`, occurred_at: at, producer: 'bench', schema_version: 1, event_type: 'BookingCreated',
      data: { booking_id: `b-${i >> 3}`, rider_id: `r-${i % 5000}`, region_id: region, pickup: { lat: 55.75 + (i % 100) / 1e4, lon: 37.61 }, dropoff: { lat: 55.8, lon: 37.7 }, estimated_distance_km: 7.5, weather: 'clear' },
    });
    out.get(topic)?.push({ key: `b-${i >> 3}`, value, headers: { 'content-type': 'application/json' }, timestamp: at });
  }
  return out;
}

export interface SilverDay {
  readonly trips: number;
  readonly payments: number;
  readonly events: number;
}

const regionsSql = (): string => `[${REGIONS.map((r) => `{'id': '${r.id}', 'name': '${r.name.replace(/'/g, "''")}'}`).join(', ')}]`;

/** Writes silver.trips, silver.payments and silver.events for `day` (Delta, partitioned by date) for `events` domain events. */
export async function writeSilverDay(conn: DuckDBConnection, lake: LakeTables, day: string, events: number): Promise<SilverDay> {
  const trips = Math.max(1, Math.floor(events / EVENTS_PER_TRIP));
  const drivers = Math.max(50, Math.floor(trips / 20));
  const users = Math.max(100, Math.floor(trips / 5));
  const nRegions = REGIONS.length;
  const t0 = Date.parse(`${day}T00:00:00Z`);
  const reg = `(${regionsSql()})[1 + CAST(hash(i * 11) % ${nRegions} AS INTEGER)]`;
  await commitQuery(conn, lake, 'silver.trips', `
    SELECT 't-' || i AS trip_id, DATE '${day}' AS trip_date, r.id AS region_id, r.name AS region_name,
      CASE WHEN i % 10 < 8 THEN 'completed' WHEN i % 10 = 8 THEN 'cancelled' ELSE 'started' END AS status,
      CASE WHEN i % 10 = 8 AND i % 3 = 0 THEN NULL ELSE 'd-' || CAST(hash(i * 3) % ${drivers} AS BIGINT) END AS driver_id,
      CASE WHEN i % 10 < 8 THEN CAST(150 + CAST(hash(i * 5) % 300000 AS DOUBLE) / 100 AS DECIMAL(18, 4)) END AS fare,
      CASE WHEN i % 10 < 8 THEN CAST(CAST(hash(i * 7) % 4000 AS DOUBLE) / 100 AS DECIMAL(18, 4)) END AS distance_km,
      CAST((i * 24) // ${trips} AS INTEGER) AS local_hour
    FROM (SELECT i, ${reg} AS r FROM range(${trips}) t(i))`, { mode: 'overwrite', partitionBy: ['trip_date'] });
  await commitQuery(conn, lake, 'silver.payments', `
    SELECT 'p-' || i AS payment_id, DATE '${day}' AS payment_date, r.id AS region_id, r.name AS region_name,
      'u-' || CAST(hash(i * 13) % ${users} AS BIGINT) AS user_id,
      (['card', 'cash', 'wallet', 'crypto'])[1 + CAST(hash(i * 17) % 4 AS INTEGER)] AS method,
      amount,
      CASE WHEN i % 20 < 17 THEN 'completed' WHEN i % 20 < 19 THEN 'failed' ELSE 'refunded' END AS status,
      CASE WHEN i % 20 = 19 THEN amount ELSE CAST(0 AS DECIMAL(18, 4)) END AS refunded_amount,
      hash(i * 19) % 100 = 0 AS known_fraud_flag,
      amount > 5000 AS is_high_value,
      CAST(${t0} + (i * 86400000) // ${trips} AS BIGINT) AS initiated_at,
      CAST((i * 24) // ${trips} AS INTEGER) AS local_hour, dayofweek(DATE '${day}') IN (0, 6) AS is_weekend,
      hash(i * 37) % 8 = 0 AS high_risk_region
    FROM (SELECT i, ${reg} AS r, CAST(150 + CAST(hash(i * 23) % 600000 AS DOUBLE) / 100 AS DECIMAL(18, 4)) AS amount FROM range(${trips}) t(i))`, { mode: 'overwrite', partitionBy: ['payment_date'] });
  await commitQuery(conn, lake, 'silver.events', `
    SELECT 'e-' || i AS event_id, DATE '${day}' AS event_date,
      CAST(${t0} + (i * 86400000) // ${events} AS BIGINT) AS occurred_at,
      (['BookingCreated', 'BookingAccepted', 'BookingStarted', 'BookingCompleted', 'PriceCalculated', 'PaymentInitiated', 'PaymentCompleted', 'DriverRated'])[1 + CAST(i % 8 AS INTEGER)] AS event_type,
      CASE WHEN i % 8 = 7
        THEN '{"driver_id":"d-' || CAST(hash(i * 29) % ${drivers} AS BIGINT) || '","booking_id":"b-' || (i // 8) || '","rider_id":"r-' || (i % 5000) || '","rating":' || (1 + hash(i * 31) % 5) || '}'
        ELSE '{"booking_id":"b-' || (i // 8) || '","region_id":"kzn","amount":' || (i % 1000) || '}' END AS data,
      CASE WHEN i % 8 = 7 THEN NULL ELSE 'kzn' END AS region_id
    FROM range(${events}) t(i)`, { mode: 'overwrite', partitionBy: ['event_date'] });
  return { trips, payments: trips, events };
}
