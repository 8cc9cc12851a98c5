/** The Delta table layer on a local LakeStore: commits as the protocol spells them, snapshots, time travel, overwrite by partition, txn, vacuum; DuckDB reads the snapshot's Parquet files. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { commitQuery, createTableView, resolveRelation } from '../../jobs/lake/delta/index.ts';
import { lakeFixture, query, type LakeFixture } from '../support/lake/lake-fixture.ts';

const trips = (day: string, n: number, offset = 0): string =>
  `SELECT 'trip-' || (i + ${offset}) AS trip_id, DATE '${day}' AS trip_date, (i % 3)::INTEGER AS region, (i * 1.5)::DOUBLE AS fare,
          TIMESTAMP '${day} 10:00:00' + INTERVAL (i) MINUTE AS requested_at, i % 2 = 0 AS paid
   FROM range(${n}) t(i)`;

void describe('Delta table layer', () => {
  let f: LakeFixture;
  before(async () => {
    f = await lakeFixture();
  });
  after(async () => {
    await f.close();
  });

  void it('creates a table with version 0 holding protocol, metaData (schema, partition columns), add with stats and commitInfo', async () => {
    const t = f.lake.table('silver.trips');
    assert.equal(await t.exists(), false);
    const r = await t.append(f.conn, trips('2026-01-01', 10), { partitionBy: ['trip_date'] });
    assert.deepEqual([r.version, r.skipped, r.addedFiles, r.numRecords], [0, false, 1, 10]);
    const log = readFileSync(join(f.lakeRoot, 'tables/silver.trips/_delta_log/00000000000000000000.json'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, Record<string, unknown>>);
    assert.deepEqual(log.map((a) => Object.keys(a)[0]), ['protocol', 'metaData', 'add', 'commitInfo']);
    assert.deepEqual(log[0]?.protocol, { minReaderVersion: 1, minWriterVersion: 2 });
    const meta = log[1]?.metaData ?? {};
    assert.deepEqual(meta.partitionColumns, ['trip_date']);
    assert.deepEqual(JSON.parse(String(meta.schemaString)), {
      type: 'struct',
      fields: [
        { name: 'trip_id', type: 'string', nullable: true, metadata: {} },
        { name: 'trip_date', type: 'date', nullable: true, metadata: {} },
        { name: 'region', type: 'integer', nullable: true, metadata: {} },
        { name: 'fare', type: 'double', nullable: true, metadata: {} },
        { name: 'requested_at', type: 'timestamp', nullable: true, metadata: {} },
        { name: 'paid', type: 'boolean', nullable: true, metadata: {} },
      ],
    });
    const add = log[2]?.add ?? {};
    assert.deepEqual(add.partitionValues, { trip_date: '2026-01-01' });
    assert.match(String(add.path), /^trip_date=2026-01-01\/part-00000-[0-9a-f-]{36}-c000\.snappy\.parquet$/);
    assert.deepEqual(JSON.parse(String(add.stats)), { numRecords: 10 });
    assert.equal(add.dataChange, true);
    assert.equal(add.size, readFileSync(join(f.lakeRoot, 'tables/silver.trips', String(add.path))).byteLength);
    assert.equal(log[3]?.commitInfo?.operation, 'WRITE');
    // the partition column is not in the data file; DuckDB reads the file itself
    const cols = await query(f.conn, `SELECT name FROM parquet_schema('${join(f.lakeRoot, 'tables/silver.trips', String(add.path))}') WHERE name <> 'duckdb_schema'`);
    assert.deepEqual(cols.map((c) => c.name), ['trip_id', 'region', 'fare', 'requested_at', 'paid']);
  });

  void it('reads the snapshot back through DuckDB (read_parquet of its files) with typed partition values', async () => {
    const t = f.lake.table('silver.trips');
    await t.append(f.conn, trips('2026-01-02', 5, 100));
    const snap = await t.snapshot();
    assert.equal(snap.version, 1);
    assert.equal(snap.numRecords, 15);
    assert.deepEqual(snap.partitions(), [{ trip_date: '2026-01-01' }, { trip_date: '2026-01-02' }]);
    const { sql } = await resolveRelation(f.lake, 'silver.trips');
    const rows = await query(f.conn, `SELECT trip_date::VARCHAR AS d, count(*) AS n, sum(fare) AS fare, typeof(any_value(trip_date)) AS dt, typeof(any_value(requested_at)) AS tt FROM ${sql} GROUP BY ALL ORDER BY d`);
    assert.deepEqual(rows.map((r) => [r.d, Number(r.n), r.fare, r.dt, r.tt]), [
      ['2026-01-01', 10, 67.5, 'DATE', 'TIMESTAMP WITH TIME ZONE'],
      ['2026-01-02', 5, 15, 'DATE', 'TIMESTAMP WITH TIME ZONE'],
    ]);
    const ts = await query(f.conn, `SELECT requested_at::VARCHAR AS ts FROM ${sql} WHERE trip_id = 'trip-1'`);
    assert.equal(ts[0]?.ts, '2026-01-01 10:01:00+00', 'a naive timestamp is stored as UTC');
    // the same through a temp view, and through DuckDB's own read of the files the snapshot names
    await createTableView(f.conn, f.lake, 'silver.trips', 'trips_view');
    assert.equal(Number((await query(f.conn, 'SELECT count(*) AS n FROM trips_view'))[0]?.n), 15);
    const files = snap.files.map((x) => `'${f.store.localPath(x.key)}'`).join(', ');
    assert.equal(Number((await query(f.conn, `SELECT count(*) AS n FROM read_parquet([${files}])`))[0]?.n), 15);
  });

  void it('overwrites one date partition in one commit (remove + add), leaving the other partitions alone', async () => {
    const t = f.lake.table('silver.trips');
    const before = await t.snapshot();
    const r = await commitQuery(f.conn, f.lake, 'silver.trips', trips('2026-01-01', 3, 500), { mode: 'overwrite-partitions', partitions: [{ trip_date: '2026-01-01' }] });
    assert.deepEqual([r.version, r.addedFiles, r.removedFiles, r.numRecords], [before.version + 1, 1, 1, 3]);
    const { sql } = await resolveRelation(f.lake, 'silver.trips');
    const rows = await query(f.conn, `SELECT trip_date::VARCHAR AS d, list(trip_id ORDER BY trip_id) AS ids FROM ${sql} GROUP BY ALL ORDER BY d`);
    assert.deepEqual(rows.map((x) => [x.d, x.ids]), [
      ['2026-01-01', ['trip-500', 'trip-501', 'trip-502']],
      ['2026-01-02', ['trip-100', 'trip-101', 'trip-102', 'trip-103', 'trip-104']],
    ]);
    // running the same day again gives the same content and still one file for the day
    await commitQuery(f.conn, f.lake, 'silver.trips', trips('2026-01-01', 3, 500), { mode: 'overwrite-partitions', partitions: [{ trip_date: '2026-01-01' }] });
    const again = await t.snapshot();
    assert.equal(again.files.filter((x) => x.partitionValues.trip_date === '2026-01-01').length, 1);
    assert.equal(again.numRecords, 8);
    const hist = await t.history();
    assert.deepEqual(hist.slice(0, 2).map((h) => [h.parameters.mode, h.numAddedFiles, h.numRemovedFiles]), [['Overwrite', 1, 1], ['Overwrite', 1, 1]]);
    assert.equal(hist.at(-1)?.version, 0);
  });

  void it('refuses rows outside the partitions being overwritten, writing nothing', async () => {
    const t = f.lake.table('silver.trips');
    const v = (await t.snapshot()).version;
    await assert.rejects(commitQuery(f.conn, f.lake, 'silver.trips', trips('2026-01-03', 2), { mode: 'overwrite-partitions', partitions: [{ trip_date: '2026-01-01' }] }), (e: Error & { code?: string }) => e.code === 'LAKE_WRITE_INVALID');
    assert.equal((await t.snapshot()).version, v);
  });

  void it('time travel: an older version still reads as it was', async () => {
    const { sql, snapshot } = await resolveRelation(f.lake, 'silver.trips', { version: 1 });
    assert.equal(snapshot.version, 1);
    assert.equal(Number((await query(f.conn, `SELECT count(*) AS n FROM ${sql}`))[0]?.n), 15);
  });

  void it('an empty table reads as an empty relation with its columns; a missing one is LAKE_TABLE_NOT_FOUND', async () => {
    const r = await commitQuery(f.conn, f.lake, 'gold.empty_mart', 'SELECT 1::BIGINT AS n, DATE \'2026-01-01\' AS d WHERE false', { mode: 'overwrite', partitionBy: ['d'] });
    assert.equal(r.version, 0);
    const { sql } = await resolveRelation(f.lake, 'gold.empty_mart');
    const rows = await query(f.conn, `SELECT count(*) AS n, typeof(any_value(d)) AS t FROM ${sql}`);
    assert.equal(Number(rows[0]?.n), 0);
    await assert.rejects(resolveRelation(f.lake, 'gold.never'), (e: Error & { code?: string }) => e.code === 'LAKE_TABLE_NOT_FOUND');
    assert.deepEqual(await f.lake.list(), ['gold.empty_mart', 'silver.trips']);
  });

  void it('a txn append is idempotent: the same (appId, version) again is skipped', async () => {
    const name = 'bronze.txn_test';
    const a = await commitQuery(f.conn, f.lake, name, "SELECT 1 AS x, 'a' AS y", { mode: 'append', txn: { appId: 'app-1', version: 7 } });
    const b = await commitQuery(f.conn, f.lake, name, "SELECT 1 AS x, 'a' AS y", { mode: 'append', txn: { appId: 'app-1', version: 7 } });
    const c = await commitQuery(f.conn, f.lake, name, "SELECT 2 AS x, 'b' AS y", { mode: 'append', txn: { appId: 'app-1', version: 8 } });
    assert.deepEqual([a.skipped, b.skipped, c.skipped], [false, true, false]);
    const snap = await f.reopen().table(name).snapshot();
    assert.equal(snap.numRecords, 2);
    assert.equal(snap.txnVersion('app-1'), 8);
  });

  void it('writers racing on one table: every append lands once, versions are 0..n-1 without gaps', async () => {
    const name = 'bronze.race';
    const writers = [f.lake, f.reopen(), f.reopen()];
    await Promise.all(writers.flatMap((l, w) => Array.from({ length: 4 }, (_, i) => l.table(name).append(f.conn, `SELECT ${w * 10 + i} AS n`))));
    const snap = await f.reopen().table(name).snapshot();
    assert.equal(snap.version, 11);
    const { sql } = await resolveRelation(f.lake, name);
    const ns = (await query(f.conn, `SELECT list(n ORDER BY n) AS ns FROM ${sql}`))[0]?.ns;
    assert.deepEqual(ns, [0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23]);
    const logs = readdirSync(join(f.lakeRoot, 'tables', name, '_delta_log')).filter((n) => n.endsWith('.json')).sort();
    assert.deepEqual(logs, Array.from({ length: 12 }, (_, i) => `${String(i).padStart(20, '0')}.json`));
  });

  void it('vacuum deletes removed and orphaned files past the retention, never live ones', async () => {
    const t = f.lake.table('silver.trips');
    await f.store.put('tables/silver.trips/trip_date=2026-01-01/part-00000-orphan.snappy.parquet', new Uint8Array([1, 2, 3]));
    const kept = await t.vacuum({ retentionMs: 60_000 });
    assert.deepEqual(kept.deleted, [], 'nothing older than the retention');
    const { deleted } = await t.vacuum({ retentionMs: 0 });
    assert.ok(deleted.includes('trip_date=2026-01-01/part-00000-orphan.snappy.parquet'));
    assert.equal(deleted.length, 3, 'the orphan and the two files overwrites removed');
    const { sql } = await resolveRelation(f.lake, 'silver.trips');
    assert.equal(Number((await query(f.conn, `SELECT count(*) AS n FROM ${sql}`))[0]?.n), 8);
  });
});
