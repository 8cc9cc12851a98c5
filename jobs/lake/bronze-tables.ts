/**
 * Bronze: one Delta table per topic, every record as it came (raw value text, key, headers as JSON
 * text), its source position (topic, partition, offset) and ingest time, partitioned by ingest date.
 * `booking-events` -> `bronze.booking_events`, `cdc.booking.bookings` -> `bronze.cdc_booking_bookings`.
 */
import type { LogRecord } from '../../connectors/contracts/event-log.ts';
import { changeTopic } from '../../schema/events/debezium.ts';
import { SOURCE_TABLES } from '../../schema/sources/source-tables.ts';
import { ALL_TOPICS } from '../../schema/events/topics.ts';
import type { RowValue } from './delta/index.ts';

export const BRONZE_LAYER = 'bronze';

export function bronzeTableFor(topic: string): string {
  const base = topic.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  return `${BRONZE_LAYER}.${/^[a-z]/.test(base) ? base : `t_${base}`}`;
}

/** Every topic the platform writes: domain events, dead letters, and the CDC topics of the source tables. */
export function bronzeTopics(cdcPrefix = 'cdc'): string[] {
  return [...ALL_TOPICS.map((t) => t.name), ...SOURCE_TABLES.map((t) => changeTopic(cdcPrefix, t.schema, t.table))];
}

/** Column -> DuckDB type, in table order. */
export const BRONZE_COLUMNS = {
  topic: 'VARCHAR',
  partition: 'INTEGER',
  offset: 'BIGINT',
  key: 'VARCHAR',
  value: 'VARCHAR',
  headers: 'VARCHAR',
  record_timestamp: 'TIMESTAMPTZ',
  ingested_at: 'TIMESTAMPTZ',
  ingest_date: 'DATE',
} as const;

export const BRONZE_PARTITION_BY = ['ingest_date'] as const;

export function bronzeRow(r: LogRecord, ingestedAt: number): Record<keyof typeof BRONZE_COLUMNS, RowValue> {
  const at = new Date(ingestedAt);
  return {
    topic: r.topic,
    partition: r.partition,
    offset: Number(r.offset),
    key: r.key,
    value: r.value,
    headers: JSON.stringify(r.headers),
    record_timestamp: new Date(r.timestamp).toISOString(),
    ingested_at: at.toISOString(),
    ingest_date: at.toISOString().slice(0, 10),
  };
}

/** The txn appId of one source partition: the Delta log keeps the last offset written for it. */
export function positionAppId(groupId: string, topic: string, partition: number): string {
  return `${groupId}:${topic}:${partition}`;
}
