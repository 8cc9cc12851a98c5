/**
 * The source services of seed 000 (Booking, Driver, Payment, Pricing, Fraud) as PostgreSQL tables:
 * one schema per service in one database (each service owning "its own database" in production),
 * each with its state tables and its own transactional OUTBOX table (seed 002: the service writes its
 * row change and its domain event in one transaction; CDC reads the outbox and routes it to Kafka).
 *
 * Data only (SQL text and table lists), no I/O: jobs/sources/source-writer.ts runs it.
 */

export type SourceService = 'booking' | 'driver' | 'payment' | 'pricing' | 'fraud';

export interface SourceTable {
  readonly service: SourceService;
  readonly schema: string;
  readonly table: string;
  readonly primaryKey: readonly string[];
  /** CREATE TABLE IF NOT EXISTS ... */
  readonly ddl: string;
}

/** The outbox table's name in every service schema. */
export const OUTBOX_TABLE = 'outbox';

/**
 * The outbox row: `payload` is the full domain-event envelope (schema/events/domain-events.ts),
 * `topic` and `key` where it goes (seed 002's topic and key of the event type).
 */
const OUTBOX_COLUMNS = `  event_id text PRIMARY KEY,
  aggregate_type text NOT NULL,
  aggregate_id text NOT NULL,
  event_type text NOT NULL,
  topic text NOT NULL,
  key text NOT NULL,
  payload jsonb NOT NULL,
  occurred_at bigint NOT NULL`;

interface TableDef {
  readonly service: SourceService;
  readonly table: string;
  readonly primaryKey: readonly string[];
  /** Column list of CREATE TABLE. */
  readonly columns: string;
}

const outbox = (service: SourceService): TableDef => ({ service, table: OUTBOX_TABLE, primaryKey: ['event_id'], columns: OUTBOX_COLUMNS });

/** Services that publish domain events (fraud only keeps flags: seed 002 has no fraud event). */
export const PUBLISHING_SERVICES: readonly SourceService[] = ['booking', 'driver', 'payment', 'pricing'];

const DEFS: readonly TableDef[] = [
  {
    service: 'booking', table: 'bookings', primaryKey: ['booking_id'],
    columns: `  booking_id text PRIMARY KEY,
  rider_id text,
  region_id text,
  driver_id text,
  status text NOT NULL,
  pickup_lat double precision, pickup_lon double precision,
  dropoff_lat double precision, dropoff_lon double precision,
  estimated_distance_km double precision,
  weather text,
  eta_s double precision,
  fare numeric(12,2),
  currency text,
  distance_km double precision,
  duration_s double precision,
  cancelled_by text,
  cancel_reason text,
  created_at bigint,
  updated_at bigint NOT NULL`,
  },
  {
    service: 'booking', table: 'sagas', primaryKey: ['saga_id'],
    columns: `  saga_id text PRIMARY KEY,
  booking_id text NOT NULL,
  status text NOT NULL,
  last_step text,
  failure_reason text,
  updated_at bigint NOT NULL`,
  },
  outbox('booking'),
  {
    service: 'driver', table: 'drivers', primaryKey: ['driver_id'],
    columns: `  driver_id text PRIMARY KEY,
  region_id text,
  name text,
  status text,
  lat double precision, lon double precision,
  speed_kmh double precision,
  heading double precision,
  rating_sum integer NOT NULL DEFAULT 0,
  rating_count integer NOT NULL DEFAULT 0,
  updated_at bigint NOT NULL`,
  },
  outbox('driver'),
  {
    service: 'payment', table: 'payments', primaryKey: ['payment_id'],
    columns: `  payment_id text PRIMARY KEY,
  booking_id text,
  user_id text,
  region_id text,
  amount numeric(12,2),
  currency text,
  method text,
  device_id text,
  status text NOT NULL,
  failure_reason text,
  refund_amount numeric(12,2),
  refund_reason text,
  created_at bigint,
  updated_at bigint NOT NULL`,
  },
  outbox('payment'),
  {
    service: 'pricing', table: 'prices', primaryKey: ['booking_id'],
    columns: `  booking_id text PRIMARY KEY,
  region_id text,
  base_fare numeric(12,2),
  surge_multiplier double precision,
  final_price numeric(12,2),
  currency text,
  promo_code text,
  discount numeric(12,2),
  updated_at bigint NOT NULL`,
  },
  {
    service: 'pricing', table: 'surges', primaryKey: ['region_id'],
    columns: `  region_id text PRIMARY KEY,
  multiplier double precision NOT NULL,
  reason text,
  updated_at bigint NOT NULL`,
  },
  outbox('pricing'),
  {
    service: 'fraud', table: 'flags', primaryKey: ['user_id'],
    columns: `  user_id text PRIMARY KEY,
  reason text NOT NULL,
  payment_id text,
  device_id text,
  flagged_at bigint NOT NULL`,
  },
];

const NAME = /^[a-z_][a-z0-9_]{0,40}$/;

/**
 * The source tables, their schemas named `<prefix><service>` (prefix '' in production: `booking`,
 * `driver`, ...; tests pass a unique prefix so runs against one database never meet).
 */
export function sourceTables(prefix = ''): SourceTable[] {
  if (prefix !== '' && !NAME.test(prefix)) throw new Error(`source schema prefix "${prefix}" must match ${NAME.source}`);
  return DEFS.map((d) => {
    const schema = `${prefix}${d.service}`;
    return {
      service: d.service, schema, table: d.table, primaryKey: d.primaryKey,
      ddl: `CREATE TABLE IF NOT EXISTS ${schema}.${d.table} (\n${d.columns}\n)`,
    };
  });
}

export const SOURCE_TABLES: readonly SourceTable[] = sourceTables();

/** `schema.table` of every source table: what the CDC publication captures. */
export function capturedTables(prefix = ''): string[] {
  return sourceTables(prefix).map((t) => `${t.schema}.${t.table}`);
}

/**
 * The statements that create every schema and table (idempotent) and set REPLICA IDENTITY FULL, so
 * logical replication carries the whole old row (Debezium `before`) of updates and deletes.
 */
export function sourceDdl(prefix = ''): string[] {
  const tables = sourceTables(prefix);
  return [
    ...[...new Set(tables.map((t) => t.schema))].map((s) => `CREATE SCHEMA IF NOT EXISTS ${s}`),
    ...tables.map((t) => t.ddl),
    ...tables.map((t) => `ALTER TABLE ${t.schema}.${t.table} REPLICA IDENTITY FULL`),
  ];
}
