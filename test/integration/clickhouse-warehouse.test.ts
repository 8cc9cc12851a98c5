/**
 * The ClickHouse warehouse against a real server (CLICKHOUSE_URL, default http://127.0.0.1:18123;
 * `bash scripts/services.sh up clickhouse`): the Warehouse conformance suite unchanged, then what
 * only ClickHouse does. Each warehouse gets its own database, dropped at the end.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createClickHouseWarehouse, TRIPS_DAILY_MV, type ClickHouseWarehouse } from '../../connectors/clickhouse/index.ts';
import type { ConnectorContext } from '../../connectors/contracts/connector.ts';
import type { Row } from '../../connectors/contracts/warehouse.ts';
import { TRIPS, type TableContract } from '../../schema/tables/warehouse-tables.ts';
import { uniqueName, withCode } from '../conformance/helpers.ts';
import { warehouseConformance } from '../conformance/warehouse.suite.ts';
import { CLICKHOUSE_URL, clickhouseExec, closedPort, requireClickHouse } from './support/services.ts';

const databases = new Set<string>();
const ctx = (metrics = new Registry()): ConnectorContext => ({ logger: pino({ level: 'silent' }), metrics });

async function make(o: { insertBatchSize?: number; metrics?: Registry } = {}): Promise<ClickHouseWarehouse> {
  await requireClickHouse();
  const database = uniqueName('gf_it');
  databases.add(database);
  return createClickHouseWarehouse({ url: CLICKHOUSE_URL, database, startRetry: { retries: 1, initialMs: 100, maxMs: 200 }, ...(o.insertBatchSize ? { insertBatchSize: o.insertBatchSize } : {}) }, ctx(o.metrics));
}

after(async () => {
  for (const db of databases) await clickhouseExec(`DROP DATABASE IF EXISTS ${db}`).catch(() => undefined);
});

warehouseConformance('clickhouse', () => make());

void describe('clickhouse warehouse specifics', () => {
  let wh: ClickHouseWarehouse;
  let metrics: Registry;
  before(async () => {
    metrics = new Registry();
    wh = await make({ insertBatchSize: 4, metrics });
    await wh.start();
  });
  after(() => wh.close());

  const facts: TableContract = {
    name: 'facts',
    columns: [{ name: 'id', type: 'string' }, { name: 'n', type: 'int64' }, { name: 'note', type: 'string', nullable: true }, { name: 'day', type: 'date' }],
    orderBy: ['id'],
    partitionBy: 'day',
  };

  void it('keeps hostile parameters values: quotes, backslashes, control characters, comments, negatives', async () => {
    await wh.ensureTables([facts]);
    await wh.insert('facts', [{ id: 'a', n: 1, note: null, day: '2024-05-01' }]);
    const hostile = [
      `'; DROP TABLE facts; --`,
      `\\'); DROP TABLE facts; --`,
      `a\\`,
      `line\nbreak\ttab\r\0nul\u0001\u001f\u007f`,
      `{id} {n} ?`,
      `/* c */ -- d`,
      'ünïcødé ✓ 🚕',
    ];
    for (const s of hostile) {
      const [row] = await wh.query('SELECT {s} AS s, length({s}) AS len', { s });
      assert.equal(row?.s, s);
      assert.equal(row?.len, Buffer.byteLength(s));
      assert.deepEqual(await wh.query('SELECT id FROM facts WHERE id = {s}', { s }), []);
    }
    assert.deepEqual(await wh.query('SELECT 10-{n} AS d, {n}*2 AS m', { n: -5 }), [{ d: 15, m: -10 }]);
    assert.deepEqual(await wh.query('SELECT id FROM facts WHERE id IN ({ids})', { ids: [`a' OR 1=1 --`, 'a'] }), [{ id: 'a' }]);
    assert.deepEqual(await wh.query('SELECT count() AS n FROM facts'), [{ n: 1 }]);
    await assert.rejects(wh.query('SELECT {x} AS x', { x: Number.NaN }), withCode('SQL_PARAM_INVALID'));
  });

  void it('splits a refused batch down to the bad rows and keeps the server message', async () => {
    await wh.ensureTables([facts]);
    const rows: Row[] = Array.from({ length: 12 }, (_, i) => ({ id: `r${i}`, n: i, note: 'ok', day: '2024-05-02' }));
    const badType = { id: 'bad-type', n: 'not-a-number', note: null, day: '2024-05-02' };
    const badNull = { id: 'bad-null', n: null, note: null, day: '2024-05-02' };
    const badDate = { id: 'bad-date', n: 1, note: null, day: 'yesterday' };
    const batch = [...rows.slice(0, 3), badType, ...rows.slice(3, 7), badNull, ...rows.slice(7), badDate];
    const res = await wh.insert('facts', batch);
    assert.equal(res.inserted, 12);
    const reasons = new Map(res.rejected.map((r) => [r.row.id, r.reason]));
    assert.deepEqual([...reasons.keys()].sort(), ['bad-date', 'bad-null', 'bad-type']);
    assert.match(reasons.get('bad-type') ?? '', /Code: \d+/, 'the server says why, in its own words');
    assert.match(reasons.get('bad-type') ?? '', /parse/i);
    assert.match(reasons.get('bad-date') ?? '', /Code: \d+/);
    assert.match(reasons.get('bad-null') ?? '', /not nullable/);
    assert.equal(res.rejected.find((r) => r.row.id === 'bad-type')?.row, badType);
    const [count] = await wh.query(`SELECT count() AS n FROM facts WHERE day = {d}`, { d: '2024-05-02' });
    assert.equal(count?.n, 12);
    const text = await metrics.metrics();
    assert.match(text, /gofuture_warehouse_rows_rejected_total 3/);
    assert.match(text, /gofuture_warehouse_rows_inserted_total \d+/);
    assert.match(text, /gofuture_warehouse_queries_total\{kind="insert"\} \d+/);
  });

  void it('shows only the winning version through the view, before any merge', async () => {
    const t: TableContract = {
      name: 'accounts',
      columns: [{ name: 'id', type: 'string' }, { name: 'balance', type: 'float64' }, { name: 'version', type: 'int64' }],
      orderBy: ['id'],
      dedup: { key: ['id'], version: 'version' },
    };
    await wh.ensureTables([t]);
    await wh.insert('accounts', [{ id: 'x', balance: 1, version: -5 }]);
    await wh.insert('accounts', [{ id: 'x', balance: 2, version: 7 }]);
    await wh.insert('accounts', [{ id: 'x', balance: 3, version: 6 }]);
    assert.deepEqual(await wh.query('SELECT id, balance, version FROM accounts'), [{ id: 'x', balance: 2, version: 7 }]);
    // Three physical rows stay until a background merge: the view (FINAL) is what hides them.
    assert.deepEqual(await wh.query('SELECT count() AS n FROM accounts_data'), [{ n: 3 }]);
    const engine = await wh.query('SELECT engine FROM system.tables WHERE database = currentDatabase() AND name IN ({names}) ORDER BY name', { names: ['accounts', 'accounts_data'] });
    assert.deepEqual(engine.map((r) => r.engine), ['View', 'ReplacingMergeTree']);
  });

  void it('replaces a partition atomically through a staging table it cleans up', async () => {
    await wh.ensureTables([facts]);
    await wh.replacePartition('facts', '2024-06-01', [{ id: 'p1', n: 1, note: null, day: '2024-06-01' }]);
    await wh.replacePartition('facts', '2024-06-01', [{ id: 'p2', n: 2, note: null, day: '2024-06-01' }]);
    assert.deepEqual(await wh.query('SELECT id FROM facts WHERE day = {d}', { d: '2024-06-01' }), [{ id: 'p2' }]);
    await assert.rejects(wh.replacePartition('facts', '2024-06-01', [{ id: 'p3', n: 'x', note: null, day: '2024-06-01' }]), withCode('WAREHOUSE_QUERY_FAILED'));
    await assert.rejects(wh.replacePartition('facts', '2024-06-01', [{ id: 'p4', n: 1, note: null, day: '2024-06-02' }]), withCode('WAREHOUSE_QUERY_FAILED'));
    assert.deepEqual(await wh.query('SELECT id FROM facts WHERE day = {d}', { d: '2024-06-01' }), [{ id: 'p2' }], 'a refused rerun leaves the partition as it was');
    const staging = await wh.query(`SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE '%_stage_%'`);
    assert.deepEqual(staging, []);
  });

  void it('keeps the trips_daily_mv rollup of completed trips per region and day', async () => {
    await wh.ensureTables([TRIPS]);
    const trip = (id: string, region: string, status: string, fare: number | null, date: string, version: number): Row => ({
      trip_id: id, region_id: region, rider_id: 'u1', driver_id: null, status, fare, currency: 'USD', surge_multiplier: 1,
      distance_km: 3, duration_s: null, weather: 'clear', requested_at: Date.parse(`${date}T10:00:00Z`), accepted_at: null,
      started_at: null, completed_at: null, cancelled_at: null, cancelled_by: null, cancel_reason: null,
      requested_hour: Date.parse(`${date}T10:00:00Z`), trip_date: date, version,
    });
    const r1 = await wh.insert('trips', [
      trip('t1', 'north', 'requested', null, '2024-07-01', 1), trip('t2', 'north', 'requested', null, '2024-07-01', 1),
      trip('t3', 'south', 'completed', 7, '2024-07-01', 2),
    ]);
    assert.equal(r1.inserted, 3);
    await wh.insert('trips', [trip('t1', 'north', 'completed', 10, '2024-07-01', 2), trip('t2', 'north', 'completed', 12.5, '2024-07-01', 2), trip('t4', 'north', 'completed', 5, '2024-07-02', 2)]);
    const rollup = await wh.query(
      `SELECT region_id, trip_date, countMerge(completed_rows) AS rows, uniqExactMerge(completed_trips) AS trips, sumMerge(fare_sum) AS fare
       FROM ${TRIPS_DAILY_MV} GROUP BY region_id, trip_date ORDER BY region_id, trip_date`,
    );
    assert.deepEqual(rollup, [
      { region_id: 'north', trip_date: '2024-07-01', rows: 2, trips: 2, fare: 22.5 },
      { region_id: 'north', trip_date: '2024-07-02', rows: 1, trips: 1, fare: 5 },
      { region_id: 'south', trip_date: '2024-07-01', rows: 1, trips: 1, fare: 7 },
    ]);
    const exact = await wh.query(`SELECT region_id, count() AS trips, sum(fare) AS fare FROM trips WHERE status = 'completed' GROUP BY region_id ORDER BY region_id`);
    assert.deepEqual(exact, [{ region_id: 'north', trips: 3, fare: 27.5 }, { region_id: 'south', trips: 1, fare: 7 }]);
  });

  void it('runs DuckDB-valid SQL whose alias shadows a column another item reads (ClickHouse scopes aliases globally)', async () => {
    await wh.ensureTables([facts]);
    const d = '2024-08-01';
    await wh.insert('facts', [1, 2, 3].map((n) => ({ id: `x${n}`, n, note: null, day: d })));
    assert.deepEqual(await wh.query('SELECT sum(n) AS n, max(n) AS top, count() AS c FROM facts WHERE day = {d}', { d }), [{ n: 6, top: 3, c: 3 }]);
    const grouped = await wh.query('SELECT id, sum(n) AS n, min(n) AS low FROM facts WHERE day = {d} GROUP BY id ORDER BY n DESC', { d });
    assert.deepEqual(grouped, [{ id: 'x3', n: 3, low: 3 }, { id: 'x2', n: 2, low: 2 }, { id: 'x1', n: 1, low: 1 }]);
    // alias reuse that both engines accept runs as written
    assert.deepEqual(await wh.query('SELECT count() AS c, c * 2 AS twice FROM facts WHERE day = {d}', { d }), [{ c: 3, twice: 6 }]);
    await assert.rejects(wh.query('SELECT sum(sum(n)) AS s FROM facts'), withCode('WAREHOUSE_QUERY_FAILED'), 'a real nested aggregate still fails');
  });

  void it('refuses 64-bit integers beyond the safe range and wraps server errors', async () => {
    await assert.rejects(wh.query('SELECT toInt64(9007199254740993) AS big'), withCode('WAREHOUSE_QUERY_FAILED'));
    assert.deepEqual(await wh.query('SELECT toInt64(9007199254740991) AS ok, toUInt64(0) AS z'), [{ ok: 9007199254740991, z: 0 }]);
    await assert.rejects(wh.query('SELECT no_such_column FROM system.one'), (e: unknown) => withCode('WAREHOUSE_QUERY_FAILED')(e) && /no_such_column/.test(String((e as Error).message)));
    await assert.rejects(wh.insert('never_ensured', []), withCode('WAREHOUSE_QUERY_FAILED'));
  });

  void it('fails start() with CONNECTOR_UNAVAILABLE after bounded retries when the server is down', async () => {
    const port = await closedPort();
    const down = createClickHouseWarehouse({ url: `http://127.0.0.1:${port}`, startRetry: { retries: 2, initialMs: 50, maxMs: 100 } }, ctx());
    const t0 = Date.now();
    await assert.rejects(down.start(), (e: unknown) => withCode('CONNECTOR_UNAVAILABLE')(e) && String((e as Error).message).includes(`127.0.0.1:${port}`));
    assert.ok(Date.now() - t0 < 5_000, `gave up after ${Date.now() - t0} ms`);
    assert.equal((await down.health()).ok, false);
    await down.close();
  });
});
