/**
 * Our Delta tables read by readers that are not ours: delta-rs (Python `deltalake`) with pandas,
 * pyarrow over the files delta-rs resolves, and DuckDB's own `delta_scan` extension. Row counts,
 * contents, versions, partition columns and history agree with what our layer reads.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import { commitQuery, resolveRelation } from '../../jobs/lake/delta/index.ts';
import { lakeFixture, type LakeFixture } from '../support/lake/lake-fixture.ts';
import { deltaExtensionPath, normalisedRows, readWithDeltaRs, sortRows } from './support/lake-readers.ts';

const COLUMNS = { id: 'int', name: 'text', qty: 'int', price: 'float', amount: 'decimal', paid: 'bool', at: 'timestamp', note: 'text', day: 'date' } as const;

/** Rows for day `d` with ids from `from`: every type the layer writes, a quote, unicode and NULLs. */
const dayRows = (d: string, n: number, from: number): string => `
  SELECT (${from} + i)::BIGINT AS id, 'rider ''' || i || ' — ü' AS name, (i % 5)::INTEGER AS qty, (i * 0.25)::DOUBLE AS price,
         CAST(i * 1.5 AS DECIMAL(10, 2)) AS amount, i % 2 = 0 AS paid,
         TIMESTAMPTZ '${d} 00:00:00+00' + INTERVAL (i * 37) SECOND + INTERVAL (i) MICROSECOND AS at,
         CASE WHEN i % 3 = 0 THEN NULL ELSE 'n' || i END AS note, DATE '${d}' AS day
  FROM range(${n}) t(i)`;

void describe('Delta tables read by delta-rs, pyarrow/pandas and DuckDB delta_scan', () => {
  let f: LakeFixture;
  const name = 'gold.reader_check';
  before(async () => {
    f = await lakeFixture();
    await commitQuery(f.conn, f.lake, name, `${dayRows('2026-02-01', 300, 0)} UNION ALL ${dayRows('2026-02-02', 200, 1000)}`, { mode: 'append', partitionBy: ['day'] });
    await commitQuery(f.conn, f.lake, name, dayRows('2026-02-03', 50, 2000), { mode: 'append', txn: { appId: 'reader-check', version: 1 } });
    // INSERT OVERWRITE of one day, then a rerun of it (same content)
    await commitQuery(f.conn, f.lake, name, dayRows('2026-02-01', 120, 5000), { mode: 'overwrite-partitions', partitions: [{ day: '2026-02-01' }] });
    await commitQuery(f.conn, f.lake, name, dayRows('2026-02-01', 120, 5000), { mode: 'overwrite-partitions', partitions: [{ day: '2026-02-01' }] });
  });
  after(async () => {
    await f.close();
  });

  void it('delta-rs sees our version, partition columns, schema, history and exactly our rows', async () => {
    const { sql, snapshot } = await resolveRelation(f.lake, name);
    const ours = await normalisedRows(f.conn, sql, COLUMNS);
    assert.equal(ours.length, 120 + 200 + 50);
    const theirs = await readWithDeltaRs(join(f.lakeRoot, 'tables', name));
    assert.equal(theirs.version, snapshot.version);
    assert.deepEqual(theirs.partition_columns, ['day']);
    assert.deepEqual(theirs.schema.map((c) => c.name), Object.keys(COLUMNS));
    assert.deepEqual(theirs.history.map((h) => h.version), [3, 2, 1, 0]);
    assert.equal(theirs.num_files, snapshot.files.length);
    assert.equal(theirs.pyarrow_row_count, ours.length, 'pyarrow over the files delta-rs lists');
    assert.deepEqual(sortRows(theirs.rows), ours);
  });

  void it("DuckDB's own delta_scan reads the same rows", async () => {
    const ext = deltaExtensionPath('1.5.5');
    await f.conn.run(`LOAD '${ext}'`);
    const { sql } = await resolveRelation(f.lake, name);
    const ours = await normalisedRows(f.conn, sql, COLUMNS);
    const scanned = await normalisedRows(f.conn, `delta_scan('${join(f.lakeRoot, 'tables', name)}')`, COLUMNS);
    assert.deepEqual(scanned, ours);
  });

  void it('an older version read by delta-rs time travel matches ours', async () => {
    const { sql } = await resolveRelation(f.lake, name, { version: 1 });
    const ours = await normalisedRows(f.conn, sql, COLUMNS);
    assert.equal(ours.length, 550);
    const theirs = await readWithDeltaRs(join(f.lakeRoot, 'tables', name), { version: 1 });
    assert.equal(theirs.version, 1);
    assert.deepEqual(sortRows(theirs.rows), ours);
  });
});
