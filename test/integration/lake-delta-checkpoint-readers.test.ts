/**
 * Our Delta checkpoints read by readers that are not ours: a table past two checkpoints (versions 10
 * and 20, `_last_checkpoint` = 20) read by delta-rs (latest and time travel) and DuckDB's delta_scan
 * with exactly our rows; then a copy of the table whose JSON commits before the checkpoint are
 * deleted (as Delta's log cleanup does): delta-rs and delta_scan can only get its state from our
 * Parquet checkpoint, and still read exactly our rows.
 */
import assert from 'node:assert/strict';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveRelation } from '../../jobs/lake/delta/index.ts';
import { lakeFixture, type LakeFixture } from '../support/lake/lake-fixture.ts';
import { deltaExtensionPath, normalisedRows, readWithDeltaRs, sortRows } from './support/lake-readers.ts';

const NAME = 'gold.checkpoint_readers';
const COLUMNS = { batch: 'int', n: 'int', amount: 'decimal', label: 'text', at: 'timestamp', d: 'date' } as const;
const day = (i: number): string => `2026-05-${String(1 + (i % 4)).padStart(2, '0')}`;
const rows = (i: number, n: number): string => `
  SELECT ${i} AS batch, j AS n, CAST(j * 1.25 AS DECIMAL(12, 2)) AS amount, CASE WHEN j % 4 = 0 THEN NULL ELSE 'r' || j END AS label,
         TIMESTAMPTZ '${day(i)} 08:00:00+00' + INTERVAL (j) SECOND AS at, DATE '${day(i)}' AS d
  FROM range(${n}) t(j)`;

void describe('Delta checkpoints read by delta-rs and DuckDB delta_scan', () => {
  let f: LakeFixture;
  let copy: string;
  before(async () => {
    f = await lakeFixture();
    const t = f.lake.table(NAME);
    for (let i = 0; i < 23; i++) {
      if (i % 3 === 2) await t.overwritePartitions(f.conn, [{ d: day(i) }], rows(i, 40), { partitionBy: ['d'] });
      else await t.append(f.conn, rows(i, 15), { partitionBy: ['d'], txn: { appId: 'readers', version: i } });
    }
    const log = join(f.lakeRoot, 'tables', NAME, '_delta_log');
    assert.deepEqual(readdirSync(log).filter((n) => !n.endsWith('.json')).sort(), ['00000000000000000010.checkpoint.parquet', '00000000000000000020.checkpoint.parquet', '_last_checkpoint']);
    copy = join(f.root, 'copy', NAME);
    cpSync(join(f.lakeRoot, 'tables', NAME), copy, { recursive: true });
    for (let v = 0; v < 20; v++) rmSync(join(copy, '_delta_log', `${String(v).padStart(20, '0')}.json`));
  });
  after(async () => {
    await f.close();
  });

  void it('delta-rs reads the table past its checkpoints: our version and exactly our rows, latest and at version 15', async () => {
    for (const version of [undefined, 15]) {
      const { sql, snapshot } = await resolveRelation(f.reopen(), NAME, version === undefined ? {} : { version });
      const ours = await normalisedRows(f.conn, sql, COLUMNS);
      const theirs = await readWithDeltaRs(join(f.lakeRoot, 'tables', NAME), version === undefined ? {} : { version });
      assert.equal(theirs.version, snapshot.version);
      assert.equal(theirs.num_files, snapshot.files.length);
      assert.deepEqual(sortRows(theirs.rows), ours);
    }
  });

  void it('with the JSON commits before the checkpoint gone, delta-rs and delta_scan build the state from our checkpoint', async () => {
    const { sql, snapshot } = await resolveRelation(f.reopen(), NAME);
    assert.equal(snapshot.version, 22);
    const ours = await normalisedRows(f.conn, sql, COLUMNS);
    const theirs = await readWithDeltaRs(copy);
    assert.equal(theirs.version, 22);
    assert.equal(theirs.num_files, snapshot.files.length);
    assert.equal(theirs.pyarrow_row_count, ours.length);
    assert.deepEqual(sortRows(theirs.rows), ours);
    await f.conn.run(`LOAD '${deltaExtensionPath('1.5.5')}'`);
    assert.deepEqual(await normalisedRows(f.conn, `delta_scan('${copy}')`, COLUMNS), ours);
  });
});
