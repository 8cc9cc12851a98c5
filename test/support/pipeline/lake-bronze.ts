/**
 * The simulated bronze of bronze-fixture.ts written as the bronze job writes it: one Delta table per
 * topic (`bronze.<topic>`, the job's columns, partitioned by ingest date), in a few appends per table
 * so daily_etl's compaction has files to merge.
 */
import { BRONZE_COLUMNS, BRONZE_PARTITION_BY, bronzeTableFor } from '../../../jobs/lake/bronze-tables.ts';
import { appendRows, type LakeTables, type RowValue } from '../../../jobs/lake/delta/index.ts';
import type { BronzeRow } from './bronze-fixture.ts';

export async function writeLakeBronze(lake: LakeTables, rows: readonly BronzeRow[], o: { commitsPerTable?: number } = {}): Promise<void> {
  const parts = o.commitsPerTable ?? 2;
  for (const topic of [...new Set(rows.map((r) => r.topic))].sort()) {
    const mine = rows.filter((r) => r.topic === topic).map((r): Record<string, RowValue> => ({
      topic: r.topic, partition: r.partition, offset: Number(r.offset), key: r.key, value: r.value, headers: r.headers,
      record_timestamp: new Date(r.timestamp).toISOString(), ingested_at: new Date(r.ingest_time).toISOString(), ingest_date: r.ingest_date,
    }));
    const size = Math.ceil(mine.length / parts);
    for (let i = 0; i < mine.length; i += size) {
      await appendRows(lake, bronzeTableFor(topic), mine.slice(i, i + size), { columns: BRONZE_COLUMNS, partitionBy: [...BRONZE_PARTITION_BY] });
    }
  }
}
