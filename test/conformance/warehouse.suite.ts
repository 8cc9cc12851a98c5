/**
 * Warehouse conformance: run unchanged against every Warehouse implementation (DuckDB, ClickHouse).
 * Every test uses its own table names, so it can run against a shared server. SQL stays in the
 * common dialect of the contract (no backslash escapes inside literals: engines disagree on them).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Row, Warehouse } from '../../connectors/contracts/warehouse.ts';
import type { ColumnSpec, ColumnType, TableContract } from '../../schema/tables/warehouse-tables.ts';
import { uniqueName, withCode } from './helpers.ts';

const col = (name: string, type: ColumnType, nullable = false): ColumnSpec => ({ name, type, nullable });

/** A plain partitioned fact table. */
function factTable(name: string): TableContract {
  return {
    name,
    columns: [
      col('id', 'string'), col('region_id', 'string'), col('note', 'string', true), col('amount', 'float64'),
      col('qty', 'int64'), col('flag', 'bool'), col('event_hour', 'int64'), col('event_date', 'date'),
    ],
    orderBy: ['event_date', 'id'],
    partitionBy: 'event_date',
  };
}

/** A dedup table: one visible row per id, greatest version wins. */
function dedupTable(name: string): TableContract {
  return {
    name,
    columns: [col('id', 'string'), col('status', 'string'), col('score', 'float64'), col('day', 'date'), col('version', 'int64')],
    orderBy: ['id'],
    partitionBy: 'day',
    dedup: { key: ['id'], version: 'version' },
  };
}

const HOUR = 3_600_000;
const H0 = Date.UTC(2024, 4, 1, 10); // well past int32

function fact(id: string, o: Partial<Row> = {}): Row {
  return { id, region_id: 'r1', note: null, amount: 10.5, qty: 1, flag: false, event_hour: H0, event_date: '2024-05-01', ...o };
}

export function warehouseConformance(name: string, make: () => Promise<Warehouse>): void {
  void describe(`Warehouse conformance: ${name}`, () => {
    let wh: Warehouse;
    const created: string[] = [];
    const table = async (t: TableContract): Promise<TableContract> => {
      await wh.ensureTables([t]);
      created.push(t.name);
      return t;
    };

    before(async () => {
      wh = await make();
      await wh.start();
    });
    after(async () => {
      for (const t of created) await wh.query(`DROP TABLE IF EXISTS ${t}`).catch(() => undefined);
      await wh.close();
    });

    void it('starts idempotently and reports health', async () => {
      await wh.start();
      const h = await wh.health();
      assert.equal(h.ok, true, h.detail);
      assert.equal(wh.capability, 'warehouse');
    });

    void it('ensureTables is idempotent and keeps rows', async () => {
      const t = await table(factTable(uniqueName('conf_fact')));
      await wh.ensureTables([t]);
      const r = await wh.insert(t.name, [fact('a'), fact('b')]);
      assert.deepEqual(r, { inserted: 2, rejected: [] });
      await wh.ensureTables([t, t]);
      const rows = await wh.query<{ n: number }>(`SELECT count() AS n FROM ${t.name}`);
      assert.deepEqual(rows, [{ n: 2 }]);
    });

    void it('returns typed values: int64 as number, date as YYYY-MM-DD, float, bool, null', async () => {
      const t = await table(factTable(uniqueName('conf_types')));
      await wh.insert(t.name, [fact('a', { note: 'x', amount: 2.25, qty: 9_007_199_254_740_991, flag: true }), fact('b')]);
      const rows = await wh.query(`SELECT id, note, amount, qty, flag, event_hour, event_date FROM ${t.name} ORDER BY id`);
      assert.equal(rows.length, 2);
      const [a, b] = rows;
      assert.deepEqual({ ...a, flag: Boolean(a?.flag) }, { id: 'a', note: 'x', amount: 2.25, qty: 9_007_199_254_740_991, flag: true, event_hour: H0, event_date: '2024-05-01' });
      assert.equal(b?.note, null);
      assert.equal(Boolean(b?.flag), false);
    });

    void it('binds parameters as values: quotes, backslashes, braces, numbers, booleans, null', async () => {
      const tricky = `it's a "test" \\ with {x} and '' and -- and /* */`;
      const rows = await wh.query(`SELECT {s} AS s, {i} AS i, {f} AS f, {b} AS b, {n} AS n, 'lit {x} it''s' AS lit`, {
        s: tricky, i: 42, f: 1.5, b: true, n: null,
      });
      assert.equal(rows.length, 1);
      const [r] = rows;
      assert.equal(r?.s, tricky);
      assert.equal(r?.i, 42);
      assert.equal(r?.f, 1.5);
      assert.equal(Boolean(r?.b), true);
      assert.equal(r?.n, null);
      assert.equal(r?.lit, "lit {x} it's");
    });

    void it('filters with parameters, arrays in IN lists, and keeps a would-be injection a value', async () => {
      const t = await table(factTable(uniqueName('conf_params')));
      const quoted = `o'brien \\ "q" {id}`;
      await wh.insert(t.name, [fact('a', { qty: 1 }), fact('b', { qty: 2, flag: true }), fact('c', { qty: 3 }), fact(quoted, { qty: 4 })]);
      const byIds = await wh.query(`SELECT id FROM ${t.name} WHERE id IN ({ids}) ORDER BY id`, { ids: ['a', 'c', 'zz'] });
      assert.deepEqual(byIds.map((r) => r.id), ['a', 'c']);
      const byNums = await wh.query(`SELECT id FROM ${t.name} WHERE qty IN ({qs}) AND amount > {min} ORDER BY id`, { qs: [2, 3], min: 1 });
      assert.deepEqual(byNums.map((r) => r.id), ['b', 'c']);
      const byFlag = await wh.query(`SELECT id FROM ${t.name} WHERE flag = {f}`, { f: true });
      assert.deepEqual(byFlag.map((r) => r.id), ['b']);
      const exact = await wh.query(`SELECT qty FROM ${t.name} WHERE id = {id}`, { id: quoted });
      assert.deepEqual(exact, [{ qty: 4 }]);
      const reused = await wh.query(`SELECT count() AS n FROM ${t.name} WHERE id = {id} OR region_id = {id}`, { id: 'a' });
      assert.deepEqual(reused, [{ n: 1 }]);

      const injection = await wh.query(`SELECT id FROM ${t.name} WHERE id = {id}`, { id: `x' OR '1'='1` });
      assert.deepEqual(injection, []);
      const drop = await wh.query(`SELECT id FROM ${t.name} WHERE id = {id}`, { id: `a'; DROP TABLE ${t.name}; --` });
      assert.deepEqual(drop, []);
      const still = await wh.query<{ n: number }>(`SELECT count() AS n FROM ${t.name}`);
      assert.deepEqual(still, [{ n: 4 }]);
    });

    void it('aggregates with GROUP BY over int64 hour columns', async () => {
      const t = await table(factTable(uniqueName('conf_agg')));
      const rows: Row[] = [];
      for (let i = 0; i < 30; i++) {
        rows.push(fact(`e${i}`, { event_hour: H0 + (i % 3) * HOUR, qty: i, amount: 1.5, region_id: i % 2 === 0 ? 'r1' : 'r2' }));
      }
      const res = await wh.insert(t.name, rows);
      assert.equal(res.inserted, 30);
      const agg = await wh.query(
        `SELECT event_hour, count() AS trips, sum(qty) AS qty_sum, sum(amount) AS amount_sum, max(qty) AS top, avg(amount) AS mean
         FROM ${t.name} WHERE event_hour >= {from} GROUP BY event_hour ORDER BY event_hour`,
        { from: H0 },
      );
      const expect = [0, 1, 2].map((h) => {
        const qs = Array.from({ length: 30 }, (_, i) => i).filter((i) => i % 3 === h);
        return { event_hour: H0 + h * HOUR, trips: 10, qty_sum: qs.reduce((a, b) => a + b, 0), amount_sum: 15, top: Math.max(...qs), mean: 1.5 };
      });
      assert.deepEqual(agg, expect);
      const byRegion = await wh.query(`SELECT region_id, count() AS n, CASE WHEN count() > 10 THEN 'big' ELSE 'small' END AS size FROM ${t.name} GROUP BY region_id ORDER BY region_id LIMIT {lim}`, { lim: 5 });
      assert.deepEqual(byRegion, [{ region_id: 'r1', n: 15, size: 'big' }, { region_id: 'r2', n: 15, size: 'big' }]);
    });

    void it('dedups by key: the greater version wins, whatever the arrival order', async () => {
      const t = await table(dedupTable(uniqueName('conf_dedup')));
      const d = '2024-05-01';
      await wh.insert(t.name, [{ id: 'a', status: 'v1', score: 1, day: d, version: 1 }, { id: 'b', status: 'v5', score: 5, day: d, version: 5 }]);
      await wh.insert(t.name, [{ id: 'a', status: 'v2', score: 2, day: d, version: 2 }]); // newer arrives later
      await wh.insert(t.name, [{ id: 'b', status: 'v3', score: 3, day: d, version: 3 }]); // older arrives later
      await wh.insert(t.name, [
        { id: 'c', status: 'c1', score: 1, day: d, version: 1 },
        { id: 'c', status: 'c3', score: 3, day: d, version: 3 },
        { id: 'c', status: 'c2', score: 2, day: d, version: 2 },
      ]); // several versions in one batch
      await wh.insert(t.name, [{ id: 'a', status: 'v2-again', score: 2.5, day: d, version: 2 }]); // equal version: the later one
      const rows = await wh.query(`SELECT id, status, score, version FROM ${t.name} ORDER BY id`);
      assert.deepEqual(rows, [
        { id: 'a', status: 'v2-again', score: 2.5, version: 2 },
        { id: 'b', status: 'v5', score: 5, version: 5 },
        { id: 'c', status: 'c3', score: 3, version: 3 },
      ]);
    });

    void it('replacePartition replaces only that partition and is idempotent', async () => {
      const t = await table(factTable(uniqueName('conf_part')));
      await wh.insert(t.name, [
        fact('a1', { event_date: '2024-05-01' }), fact('a2', { event_date: '2024-05-01' }),
        fact('b1', { event_date: '2024-05-02' }),
      ]);
      const fresh = [fact('n1', { event_date: '2024-05-01', qty: 7 }), fact('n2', { event_date: '2024-05-01', qty: 8 }), fact('n3', { event_date: '2024-05-01', qty: 9 })];
      const read = (): Promise<Row[]> => wh.query(`SELECT id, qty, event_date FROM ${t.name} ORDER BY event_date, id`);
      await wh.replacePartition(t.name, '2024-05-01', fresh);
      const once = await read();
      assert.deepEqual(once, [
        { id: 'n1', qty: 7, event_date: '2024-05-01' }, { id: 'n2', qty: 8, event_date: '2024-05-01' }, { id: 'n3', qty: 9, event_date: '2024-05-01' },
        { id: 'b1', qty: 1, event_date: '2024-05-02' },
      ]);
      await wh.replacePartition(t.name, '2024-05-01', fresh);
      assert.deepEqual(await read(), once);
      await wh.replacePartition(t.name, '2024-05-03', [fact('c1', { event_date: '2024-05-03' })]);
      await wh.replacePartition(t.name, '2024-05-02', []);
      assert.deepEqual((await read()).map((r) => r.id), ['n1', 'n2', 'n3', 'c1']);
    });

    void it('replacePartition works on a dedup table', async () => {
      const t = await table(dedupTable(uniqueName('conf_dpart')));
      await wh.insert(t.name, [{ id: 'a', status: 'old', score: 1, day: '2024-05-01', version: 9 }, { id: 'b', status: 'keep', score: 1, day: '2024-05-02', version: 1 }]);
      await wh.replacePartition(t.name, '2024-05-01', [{ id: 'a', status: 'new', score: 2, day: '2024-05-01', version: 1 }]);
      await wh.replacePartition(t.name, '2024-05-01', [{ id: 'a', status: 'new', score: 2, day: '2024-05-01', version: 1 }]);
      const rows = await wh.query(`SELECT id, status FROM ${t.name} ORDER BY id`);
      assert.deepEqual(rows, [{ id: 'a', status: 'new' }, { id: 'b', status: 'keep' }]);
    });

    void it('inserts the good rows of a batch and rejects the bad ones with a reason', async () => {
      const t = await table(factTable(uniqueName('conf_bad')));
      const bad = fact('bad', { qty: 'not-a-number' });
      const batch = [fact('g1'), fact('g2'), bad, fact('g3'), fact('g4'), fact('g5')];
      const r = await wh.insert(t.name, batch);
      assert.equal(r.inserted, 5);
      assert.equal(r.rejected.length, 1);
      assert.deepEqual(r.rejected[0]?.row, bad);
      assert.equal(typeof r.rejected[0]?.reason, 'string');
      assert.ok((r.rejected[0]?.reason.length ?? 0) > 0);
      const ids = await wh.query(`SELECT id FROM ${t.name} ORDER BY id`);
      assert.deepEqual(ids.map((x) => x.id), ['g1', 'g2', 'g3', 'g4', 'g5']);
    });

    void it('bad SQL fails with WAREHOUSE_QUERY_FAILED, a missing parameter with SQL_PARAM_INVALID', async () => {
      await assert.rejects(wh.query('SELEC nonsense FROM'), withCode('WAREHOUSE_QUERY_FAILED'));
      await assert.rejects(wh.query(`SELECT 1 FROM ${uniqueName('conf_missing')}`), withCode('WAREHOUSE_QUERY_FAILED'));
      await assert.rejects(wh.query('SELECT {a} AS a, {b} AS b', { a: 1 }), withCode('SQL_PARAM_INVALID'));
      await assert.rejects(wh.query('SELECT {a} AS a'), withCode('SQL_PARAM_INVALID'));
      const ok = await wh.query('SELECT {a} AS a', { a: 'still works' });
      assert.deepEqual(ok, [{ a: 'still works' }]);
    });

    void it('closes idempotently', async () => {
      const other = await make();
      await other.start();
      await other.close();
      await other.close();
      await other[Symbol.asyncDispose]();
      assert.equal((await other.health()).ok, false);
    });
  });
}
