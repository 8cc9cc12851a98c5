/**
 * kill -9 of a Delta writer (a child process) in the middle of writes: the table always reads as a
 * committed version (every batch whole, none twice, no partial data), the writer resumes, and
 * vacuum removes the orphaned files a killed writer left.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { resolveRelation } from '../../jobs/lake/delta/index.ts';
import { Child } from '../support/lake/child-process.ts';
import { lakeFixture, query, type LakeFixture } from '../support/lake/lake-fixture.ts';

const CHILD = join(import.meta.dirname, '..', 'support', 'lake', 'delta-writer-child.ts');
const TABLE = 'silver.kill_test';
const ROWS = 3000;

void describe('Delta writer killed with kill -9', () => {
  let f: LakeFixture;
  before(async () => {
    f = await lakeFixture();
  });
  after(async () => {
    await f.close();
  });

  async function checkTable(): Promise<{ batches: number; version: number }> {
    const reader = f.reopen(); // a reader with no cache: what another process sees
    const { sql, snapshot } = await resolveRelation(reader, TABLE);
    const rows = await query(f.conn, `SELECT batch, count(*) AS n, count(DISTINCT n) AS d, min(p) AS lo, max(p) AS hi FROM ${sql} GROUP BY batch ORDER BY batch`);
    rows.forEach((r, i) => {
      assert.equal(Number(r.batch), i, 'batches are 0..k without a gap');
      assert.equal(Number(r.n), ROWS, `batch ${i} is whole and not doubled`);
      assert.equal(Number(r.d), ROWS);
      assert.deepEqual([Number(r.lo), Number(r.hi)], [i * 10, i * 10 + 3]);
    });
    assert.equal(snapshot.numRecords, rows.length * ROWS, 'the stats agree with the data');
    return { batches: rows.length, version: snapshot.version };
  }

  void it('leaves the last committed version readable after kills at random points, and the writer resumes', async () => {
    let last = { batches: 0, version: -1 };
    for (let round = 0; round < 3; round++) {
      const child = new Child(CHILD, [f.lakeRoot, join(f.root, `scratch-child-${round}`), 'loop']);
      await child.waitForLine('a commit', (l) => l.startsWith('committed'));
      await sleep(37 * (round + 1)); // somewhere inside a later write
      await child.kill9();
      const now = await checkTable();
      assert.ok(now.batches > last.batches && now.version > last.version, `round ${round}: progress after restart (${JSON.stringify(now)} vs ${JSON.stringify(last)})`);
      last = now;
    }
  });

  void it('a writer killed after uploading its files but before its commit leaves nothing visible; vacuum removes the orphans', async () => {
    const before = await checkTable();
    const child = new Child(CHILD, [f.lakeRoot, join(f.root, 'scratch-hang'), 'stage-and-hang']);
    await child.waitForLine('files staged', (l) => l === 'staged');
    await child.kill9();
    const afterKill = await checkTable();
    assert.deepEqual(afterKill, before, 'the uploaded files of the dead writer are not part of any version');
    const t = f.reopen().table(TABLE);
    const snap = await t.snapshot();
    const live = new Set(snap.files.map((x) => x.key));
    const orphans = (await f.store.list(t.prefix)).filter((o) => !o.key.includes('/_delta_log/') && !live.has(o.key));
    assert.ok(orphans.length >= 4, `the staged files are there as orphans (${orphans.length})`);
    const { deleted } = await t.vacuum({ retentionMs: 0 });
    assert.ok(orphans.every((o) => deleted.includes(o.key.slice(t.prefix.length))), 'vacuum removed every orphan');
    const left = (await f.store.list(t.prefix)).filter((o) => !o.key.includes('/_delta_log/'));
    assert.deepEqual(left.map((o) => o.key).sort(), [...live].sort(), 'only live files remain');
    assert.deepEqual(await checkTable(), before, 'and the table reads the same');
  });
});
