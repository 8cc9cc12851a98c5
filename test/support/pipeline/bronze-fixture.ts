/**
 * A bronze table for the SQL model tests, made by the real simulator: every record of every domain
 * topic of a simulated stretch of time (crossing midnight), plus records silver must refuse (negative
 * amount, rating 7, a non-JSON value, a dead letter) and a duplicate copy of an event. Loaded into
 * plain DuckDB tables named and shaped as the bronze job's (one per topic).
 */
import { watermarkOf } from '../../../schema/events/control-records.ts';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createMemoryEventLog } from '../../../connectors/embedded/memory-event-log.ts';
import type { LogRecord } from '../../../connectors/contracts/event-log.ts';
import { createSimulator } from '../../../jobs/simulator/index.ts';
import { ALL_TOPICS, DOMAIN_TOPICS, TOPICS } from '../../../schema/events/topics.ts';

export interface BronzeRow {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string;
  headers: string;
  timestamp: number;
  ingest_time: number;
  ingest_date: string;
}

export const dateOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export async function simulatedBronze(o: { startTime: number; minutes: number; seed?: number }): Promise<BronzeRow[]> {
  const ctx = { logger: pino({ level: 'silent' }), metrics: new Registry() };
  const log = createMemoryEventLog({ maxRecordsPerPartition: 10_000_000 }, ctx);
  await log.start();
  await log.ensureTopics(ALL_TOPICS);
  const sim = createSimulator({ log, logger: ctx.logger, metrics: ctx.metrics, seed: o.seed ?? 7, startTime: o.startTime, ratePerSecond: 0.3, driversPerRegion: 4, riders: 300, locationIntervalMs: 600_000, lateShare: 0.05 });
  await sim.runFor(o.minutes * 60_000);
  await sim.stop();
  const records: LogRecord[] = [];
  for (const t of DOMAIN_TOPICS) for (let p = 0; p < t.partitions; p++) records.push(...(await log.read(t.name, p, '0', 10_000_000)));
  await log.close();
  return records.map((r) => {
    // ingest time: the record's event time (a simulated backfill publishes at once)
    // (a producer watermark mark, a control record bronze keeps too: the time it promises)
    const occurred = watermarkOf(r) ?? (JSON.parse(r.value) as { occurred_at: number }).occurred_at;
    return { topic: r.topic, partition: r.partition, offset: r.offset, key: r.key, value: r.value, headers: JSON.stringify(r.headers), timestamp: occurred, ingest_time: occurred, ingest_date: dateOf(occurred) };
  });
}

/** Records silver must refuse, each with the rule that should catch it; and a duplicate of `dupOf`. */
export function badRecords(day: string, dupOf: BronzeRow): { rows: BronzeRow[]; expectedRules: string[] } {
  const t = Date.parse(`${day}T12:00:00Z`);
  const base = { partition: 0, key: 'k', headers: '{}', timestamp: t, ingest_time: t, ingest_date: day };
  const env = (type: string, data: object, id: string): string => JSON.stringify({ event_id: id, occurred_at: t, producer: 'test', schema_version: 1, event_type: type, data });
  const rows: BronzeRow[] = [
    { ...base, topic: TOPICS.payment.name, offset: '900001', value: env('PaymentInitiated', { payment_id: 'bad-pay', booking_id: 'b', user_id: 'u', region_id: 'kzn', amount: -5, currency: 'RUB', method: 'card', device_id: 'd', known_fraud_flag: false }, 'bad-neg') },
    { ...base, topic: TOPICS.driver.name, offset: '900002', value: env('DriverRated', { driver_id: 'd', booking_id: 'b', rider_id: 'r', rating: 7 }, 'bad-rating') },
    { ...base, topic: TOPICS.booking.name, offset: '900003', value: '{not json' },
    { ...base, topic: TOPICS.pricing.name, offset: '900004', value: env('PriceCalculated', { booking_id: 'b', region_id: 'kzn', base_fare: 100, surge_multiplier: 1, final_price: 0, currency: 'RUB' }, 'bad-price') },
    { ...base, topic: TOPICS.deadLetter.name, offset: '900005', value: 'garbage', headers: JSON.stringify({ 'x-dlq-reason': 'schema mismatch' }) },
    // the same event twice (a redelivery bronze kept): silver keeps one
    { ...dupOf, offset: String(Number(dupOf.offset) + 1_000_000) },
  ];
  return { rows, expectedRules: ['amount_non_negative', 'rating_range', 'json_valid', 'price_positive', 'dead_lettered'] };
}

/** The bronze job's table of a topic (`booking-events` -> `bronze.booking_events`). */
export const bronzeTable = (topic: string): string => `bronze.${topic.replace(/[^a-z0-9]+/g, '_')}`;

/** One plain DuckDB table per topic, with the bronze job's columns; topics without records get no table. */
export async function loadBronze(conn: DuckDBConnection, dir: string, rows: readonly BronzeRow[]): Promise<void> {
  const topics = [...new Set(rows.map((r) => r.topic))];
  for (const topic of topics) {
    const file = join(dir, `bronze-${topic}-${Date.now()}.jsonl`);
    await writeFile(file, rows.filter((r) => r.topic === topic).map((r) => JSON.stringify(r)).join('\n'), 'utf8');
    await conn.run(`CREATE OR REPLACE TABLE "${bronzeTable(topic)}" AS
      SELECT topic, "partition", CAST("offset" AS BIGINT) AS "offset", "key", "value", headers,
             make_timestamptz(CAST("timestamp" AS BIGINT) * 1000) AS record_timestamp, make_timestamptz(CAST(ingest_time AS BIGINT) * 1000) AS ingested_at, ingest_date
      FROM read_json('${file}', format = 'newline_delimited', columns = {'topic': 'VARCHAR', 'partition': 'INTEGER', 'offset': 'VARCHAR', 'key': 'VARCHAR', 'value': 'VARCHAR', 'headers': 'VARCHAR', 'timestamp': 'BIGINT', 'ingest_time': 'BIGINT', 'ingest_date': 'DATE'})`);
  }
}
