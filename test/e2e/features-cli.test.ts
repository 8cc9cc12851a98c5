/**
 * `gofuture features` as a user runs it, in child processes on a fresh data dir whose lake holds one
 * feature view table: list, historical (NDJSON, point in time), materialize --incremental (the online
 * store's snapshot gets the vector, the high-water mark is kept; a second run writes nothing).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createLocalLakeStore } from '../../connectors/lake/index.ts';
import { openLake } from '../../jobs/lake/delta/index.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(ROOT, 'bin', 'gofuture.ts');
const run = promisify(execFile);
// recent instants: materialisation writes what is left of the TTL after the row's event time
const T = Math.floor((Date.now() - 3 * 3_600_000) / 60_000) * 60_000;
let dir: string;

const cli = async (...args: string[]): Promise<{ stdout: string; stderr: string }> =>
  run(process.execPath, [CLI, 'features', ...args, '--data-dir', dir], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'error' } });

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gofuture-features-cli-'));
  const store = createLocalLakeStore({ root: path.join(dir, 'lake') }, { logger: pino({ level: 'silent' }), metrics: new Registry() });
  await store.start();
  const lake = openLake(store, { scratchDir: path.join(dir, 'scratch') });
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  await lake.table('gold.driver_feature_rows').append(conn, `SELECT driver_id, epoch_ms(ts) AS event_timestamp, epoch_ms(ts) AS created_timestamp, rating AS driver_avg_rating_7d, trips::BIGINT AS driver_trips_7d, CAST(epoch_ms(ts) AS DATE) AS event_date
    FROM (VALUES ('d1', ${T}::BIGINT, 4.5, 10), ('d1', ${T + 3_600_000}::BIGINT, 4.6, 11), ('d2', ${T}::BIGINT, NULL, 1)) AS v(driver_id, ts, rating, trips)`, { partitionBy: ['event_date'] });
  conn.closeSync();
  db.closeSync();
  await lake.close();
  await store.close();
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

void describe('gofuture features', () => {
  void it('lists views, answers point-in-time look-ups and materialises incrementally', { timeout: 120_000 }, async () => {
    const list = (await cli('list')).stdout;
    assert.match(list, /^ {2}driver_stats {2}entity=driver source=gold\.driver_feature_rows ttl=2d online stream$/m);
    assert.match(list, /user_payments:user_payments_30m\s+int64/);

    const h = await cli('historical', 'driver_stats', '--ids', 'd1,d2,d3', '--at', new Date(T + 30 * 60_000).toISOString());
    const rows = h.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(rows.map((r) => [r.driver_id, r.driver_trips_7d, r.driver_avg_rating_7d]), [['d1', 10, 4.5], ['d2', 1, null], ['d3', null, null]]);
    assert.match(h.stderr, /gold\.driver_feature_rows@v0/);

    const end = new Date(T + 2 * 3_600_000).toISOString();
    const m = (await cli('materialize', '--incremental', end, '--views', 'driver_stats')).stdout;
    assert.match(m, /^driver_stats\s.*rows=2 written=2 /m);
    const marks = JSON.parse(await readFile(path.join(dir, 'features', 'materialize-state.json'), 'utf8')) as { views: Record<string, { highWaterMark: number }> };
    assert.equal(marks.views.driver_stats?.highWaterMark, Date.parse(end));
    const snapshot = await readFile(path.join(dir, 'online-store.json'), 'utf8');
    assert.match(snapshot, /driver_stats__event_timestamp/);
    const again = (await cli('materialize', '--incremental', end, '--views', 'driver_stats')).stdout;
    assert.match(again, /rows=0 written=0/);
  });
});
