/** Compaction (OPTIMIZE) and the vacuum task: small files rewritten into one per partition without changing the data, concurrent appends kept. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { compactTable, resolveRelation, vacuumLake } from '../../jobs/lake/delta/index.ts';
import { lakeFixture, query, type LakeFixture } from '../support/lake/lake-fixture.ts';

void describe('compaction and vacuum', () => {
  let f: LakeFixture;
  const name = 'bronze.compact_me';
  before(async () => {
    f = await lakeFixture();
    for (let i = 0; i < 6; i++) {
      await f.lake.table(name).append(f.conn, `SELECT ${i} * 100 + x AS n, 'v' || x AS s, DATE '2026-05-0${1 + (i % 2)}' AS day FROM range(10) t(x)`, { partitionBy: ['day'] });
    }
  });
  after(async () => {
    await f.close();
  });

  const content = async (): Promise<unknown> => {
    const { sql } = await resolveRelation(f.reopen(), name);
    return (await query(f.conn, `SELECT day::VARCHAR AS d, list(n ORDER BY n) AS ns, count(DISTINCT s) AS s FROM ${sql} GROUP BY ALL ORDER BY d`)).map((r) => [r.d, r.ns, Number(r.s)]);
  };

  void it('rewrites the small files of each partition into one, as one OPTIMIZE commit with dataChange=false; same rows', async () => {
    const before = await content();
    assert.equal((await f.lake.table(name).snapshot()).files.length, 6);
    const r = await compactTable(f.lake, name);
    assert.deepEqual([r.partitions, r.removedFiles, r.addedFiles], [2, 6, 2]);
    const snap = await f.reopen().table(name).snapshot();
    assert.equal(snap.files.length, 2);
    assert.deepEqual(await content(), before);
    const [last] = await f.lake.table(name).history(1);
    assert.equal(last?.operation, 'OPTIMIZE');
    const actions = readFileSync(join(f.lakeRoot, 'tables', name, `_delta_log/${String(r.version).padStart(20, '0')}.json`), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, { dataChange?: boolean }>);
    for (const a of actions) {
      const body = a.add ?? a.remove;
      if (body) assert.equal(body.dataChange, false);
    }
    assert.deepEqual(await compactTable(f.lake, name), { version: null, partitions: 0, removedFiles: 0, addedFiles: 0 }, 'nothing left to compact');
  });

  void it('an append racing with a compaction of its partition is kept', async () => {
    await f.lake.table(name).append(f.conn, "SELECT 900 AS n, 'x' AS s, DATE '2026-05-01' AS day");
    const [c] = await Promise.all([
      compactTable(f.reopen(), name),
      f.reopen().table(name).append(f.conn, "SELECT 901 AS n, 'y' AS s, DATE '2026-05-01' AS day"),
    ]);
    assert.ok(c.version !== null);
    const { sql } = await resolveRelation(f.reopen(), name);
    const ns = (await query(f.conn, `SELECT list(n ORDER BY n) AS ns FROM ${sql} WHERE n >= 900`))[0]?.ns;
    assert.deepEqual(ns, [900n, 901n]);
    assert.equal(Number((await query(f.conn, `SELECT count(*) AS n FROM ${sql}`))[0]?.n), 62);
  });

  void it('the vacuum task removes the compacted-away files of every table past the retention', async () => {
    const live = new Set((await f.lake.table(name).snapshot()).files.map((x) => x.key));
    const counts = await vacuumLake(f.lake, { retentionMs: 0 });
    assert.ok((counts[name] ?? 0) >= 6, JSON.stringify(counts));
    const left = (await f.store.list(`tables/${name}/`)).filter((o) => !o.key.includes('/_delta_log/')).map((o) => o.key);
    assert.deepEqual(left.sort(), [...live].sort());
    assert.equal(Number((await query(f.conn, `SELECT count(*) AS n FROM ${(await resolveRelation(f.reopen(), name)).sql}`))[0]?.n), 62);
  });
});
