/**
 * Child of test/unit/lake-delta-kill.test.ts: writes batches to a Delta table until killed.
 *   delta-writer-child.ts <lakeRoot> <scratch> loop     : appends batch b (ROWS rows over 4 partitions), every third
 *                                                          batch also overwrites the previous one's partitions; prints "committed <b> <version>"
 *   delta-writer-child.ts <lakeRoot> <scratch> stage-and-hang : uploads a batch's data files, prints "staged", never commits
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createLocalLakeStore } from '../../../connectors/lake/index.ts';
import { openLake, resolveRelation } from '../../../jobs/lake/delta/index.ts';
import { stageQuery } from '../../../jobs/lake/delta/delta-writer.ts';

export const ROWS = 3000;
export const TABLE = 'silver.kill_test';
const [lakeRoot = '', scratch = '', mode = 'loop'] = process.argv.slice(2);

const store = createLocalLakeStore({ root: lakeRoot }, { logger: pino({ level: 'silent' }), metrics: new Registry() });
await store.start();
const lake = openLake(store, { scratchDir: scratch });
const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
const table = lake.table(TABLE);

/** Batch b: ROWS rows spread over 4 partitions p = b*10 .. b*10+3 (a fresh partition set per batch). */
const batch = (b: number): string => `SELECT ${b} AS batch, i AS n, repeat('x', 200) || i AS payload, ${b} * 10 + (i % 4) AS p FROM range(${ROWS}) t(i)`;

let next = 0;
if (await table.exists()) {
  const { sql } = await resolveRelation(lake, TABLE);
  const r = (await conn.runAndReadAll(`SELECT coalesce(max(batch), -1) + 1 AS b FROM ${sql}`)).getRowObjectsJS();
  next = Number(r[0]?.b ?? 0);
}

if (mode === 'stage-and-hang') {
  const snap = await table.snapshot();
  await stageQuery({ conn, store, tablePrefix: table.prefix, scratchDir: scratch, sql: batch(next), partitionBy: ['p'], schema: snap.schema });
  console.log('staged');
  setInterval(() => undefined, 1000);
} else {
  for (let b = next; ; b++) {
    const r = await table.append(conn, batch(b), { partitionBy: ['p'] });
    // every third batch, rewrite the previous batch's partitions with the same rows (an INSERT OVERWRITE rerun)
    if (b % 3 === 2) await table.overwritePartitions(conn, [0, 1, 2, 3].map((k) => ({ p: String((b - 1) * 10 + k) })), batch(b - 1));
    console.log(`committed ${b} ${r.version}`);
  }
}
