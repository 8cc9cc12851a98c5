/**
 * Delta checkpoints on a local LakeStore: a Parquet checkpoint every 10 versions and
 * `_delta_log/_last_checkpoint`; a fresh reader starts from the checkpoint (it still reads the table
 * when the JSON commits before it are gone), time travel starts from the newest checkpoint at or below
 * the version, history still lists every commit, and the checkpoint's rows are the state's actions.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createLocalLakeStore } from '../../connectors/lake/index.ts';
import { openLake, resolveRelation, type LakeTables } from '../../jobs/lake/delta/index.ts';
import { lakeFixture, query, type LakeFixture } from '../support/lake/lake-fixture.ts';

const NAME = 'gold.checkpointed';
const LOG = (root: string): string => join(root, 'tables', NAME, '_delta_log');
const day = (i: number): string => `2026-04-${String(1 + (i % 5)).padStart(2, '0')}`;
/** Commit i: day i%5 overwritten with 10 rows tagged i (odd i), or 3 rows appended (even i). */
const rows = (i: number, n: number): string => `SELECT ${i} AS batch, j AS n, DATE '${day(i)}' AS d FROM range(${n}) t(j)`;

void describe('Delta checkpoints', () => {
  let f: LakeFixture;
  before(async () => {
    f = await lakeFixture();
    const t = f.lake.table(NAME);
    for (let i = 0; i < 25; i++) {
      if (i % 2 === 1) await t.overwritePartitions(f.conn, [{ d: day(i) }], rows(i, 10), { partitionBy: ['d'] });
      else await t.append(f.conn, rows(i, 3), { partitionBy: ['d'], txn: { appId: 'stream', version: i } });
    }
  });
  after(async () => {
    await f.close();
  });

  const content = async (lake: LakeTables, version?: number): Promise<unknown> => {
    const { sql } = await resolveRelation(lake, NAME, version === undefined ? {} : { version });
    return query(f.conn, `SELECT batch, d::VARCHAR AS d, count(*)::INTEGER AS n FROM ${sql} GROUP BY ALL ORDER BY ALL`);
  };

  void it('writes a Parquet checkpoint at versions 10 and 20 and _last_checkpoint naming the newest', () => {
    const names = readdirSync(LOG(f.lakeRoot)).filter((n) => !n.endsWith('.json')).sort();
    assert.deepEqual(names, ['00000000000000000010.checkpoint.parquet', '00000000000000000020.checkpoint.parquet', '_last_checkpoint']);
    const last = JSON.parse(readFileSync(join(LOG(f.lakeRoot), '_last_checkpoint'), 'utf8')) as Record<string, number>;
    assert.equal(last.version, 20);
    assert.ok((last.numOfAddFiles ?? 0) > 0 && (last.size ?? 0) > (last.numOfAddFiles ?? 0), 'size counts every action');
  });

  void it('holds one action per row: protocol, metaData, the txn, every live file, the tombstones', async () => {
    const file = join(LOG(f.lakeRoot), '00000000000000000020.checkpoint.parquet');
    const [r] = await query(f.conn, `SELECT count(protocol)::INTEGER AS p, count(metaData)::INTEGER AS m, count(txn)::INTEGER AS t, count("add")::INTEGER AS a, count(remove)::INTEGER AS r, max(txn.version)::INTEGER AS tv, count(*)::INTEGER AS n FROM read_parquet('${file}')`);
    const v20 = await f.reopen().table(NAME).snapshot(20);
    assert.deepEqual(r, { p: 1, m: 1, t: 1, a: v20.files.length, r: r?.r, tv: 20, n: 3 + v20.files.length + Number(r?.r) });
    assert.ok(Number(r?.r) > 0, 'overwrites left tombstones');
  });

  void it('a fresh reader starts from the checkpoint: same snapshot and rows, even with the JSON commits before it gone', async () => {
    const want = await content(f.lake);
    const fresh = f.reopen();
    assert.deepEqual(await content(fresh), want);
    assert.equal((await fresh.table(NAME).snapshot()).txnVersion('stream'), 24);
    // a copy of the lake without commits 0..19: only the checkpoint can give the state
    const copy = join(f.root, 'copy');
    cpSync(f.lakeRoot, copy, { recursive: true });
    for (let v = 0; v < 20; v++) rmSync(join(LOG(copy), `${String(v).padStart(20, '0')}.json`));
    const store = createLocalLakeStore({ root: copy }, { logger: pino({ level: 'silent' }), metrics: new Registry() });
    await store.start();
    const lake = openLake(store, { scratchDir: join(f.root, 'scratch-copy') });
    try {
      const snap = await lake.table(NAME).snapshot();
      assert.equal(snap.version, 24);
      assert.deepEqual(await content(lake), want);
      // history: the checkpoint's own commit and those after it (the older JSON is gone)
      assert.deepEqual((await lake.table(NAME).history()).map((h) => h.version), [24, 23, 22, 21, 20]);
    } finally {
      await lake.close();
      await store.close();
    }
    assert.ok(existsSync(join(LOG(f.lakeRoot), '00000000000000000000.json')), 'the original keeps its log');
  });

  void it('time travel starts from the newest checkpoint at or below the version; history lists every commit', async () => {
    const fresh = f.reopen();
    const t = fresh.table(NAME);
    const at15 = await t.snapshot(15);
    assert.equal(at15.version, 15);
    assert.equal(at15.txnVersion('stream'), 14);
    assert.deepEqual(await content(fresh, 15), await content(f.reopen(), 15));
    const at5 = await t.snapshot(5);
    assert.equal(at5.txnVersion('stream'), 4);
    const history = await t.history();
    assert.deepEqual(history.map((h) => h.version), Array.from({ length: 25 }, (_, i) => 24 - i));
    assert.deepEqual((await t.history(3)).map((h) => h.operation), ['STREAMING UPDATE', 'WRITE', 'STREAMING UPDATE']);
  });
});
