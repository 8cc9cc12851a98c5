/** What only the embedded implementations promise: Kafka-equal partitioning, file formats, metrics, config, registry. */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Partitioners } from 'kafkajs';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { ConnectorContext } from '../../connectors/contracts/connector.ts';
import { createDuckDbWarehouse } from '../../connectors/embedded/duckdb-warehouse.ts';
import { registerEmbeddedConnectors } from '../../connectors/embedded/index.ts';
import { createMemoryEventLog } from '../../connectors/embedded/memory-event-log.ts';
import { createMemoryOnlineStore } from '../../connectors/embedded/memory-online-store.ts';
import { murmur2, partitionForKey } from '../../connectors/embedded/murmur2.ts';
import { ConnectorRegistry } from '../../connectors/registry.ts';
import type { TableContract } from '../../schema/tables/warehouse-tables.ts';
import { waitFor, withCode } from './helpers.ts';

const root = mkdtempSync(join(tmpdir(), 'gofuture-embedded-specifics-'));
after(() => rmSync(root, { recursive: true, force: true }));
let seq = 0;
const ctx = (metrics = new Registry()): ConnectorContext => ({ logger: pino({ level: 'silent' }), metrics });
const freshDir = (name: string): string => join(root, `${name}-${++seq}`);

void describe('embedded event log specifics', () => {
  void it('murmur2 matches the Java client and kafkajs picks the same partitions', () => {
    // values from Apache Kafka's UtilsTest.testMurmur2
    const cases: [string, number][] = [
      ['21', -973932308], ['foobar', -790332482], ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829], ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971], ['abc', 479470107],
    ];
    for (const [s, h] of cases) assert.equal(murmur2(new TextEncoder().encode(s)), h, s);
    const kafkajs = Partitioners.DefaultPartitioner();
    for (const n of [1, 3, 6, 12, 24]) {
      const partitionMetadata = Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: 0 }));
      for (let i = 0; i < 500; i++) {
        const key = i % 5 === 0 ? `région-${i}-ключ` : `driver-${i * 7919}`;
        const expected = kafkajs({ topic: 't', partitionMetadata, message: { key, value: '' } } as Parameters<typeof kafkajs>[0]);
        assert.equal(partitionForKey(key, n), expected, `${key} over ${n}`);
      }
    }
  });

  void it('publishes to the partition Kafka would pick, counts metrics', async () => {
    const metrics = new Registry();
    await using log = createMemoryEventLog({}, ctx(metrics));
    await log.start();
    await log.ensureTopics([{ name: 'driver-events', partitions: 24, keyField: 'driver_id', retentionMs: 1, compression: 'gzip' }]);
    const res = await log.publish('driver-events', [{ key: 'drv-1', value: '{}' }, { key: 'drv-2', value: '{}' }]);
    assert.deepEqual(res.map((r) => r.partition), [partitionForKey('drv-1', 24), partitionForKey('drv-2', 24)]);
    let n = 0;
    const h = await log.consume({ groupId: 'g', topics: ['driver-events'], handler: async (b) => void (n += b.records.length) });
    await waitFor('both consumed', () => n === 2);
    await h.stop();
    const text = await metrics.metrics();
    assert.match(text, /gofuture_eventlog_records_published_total\{topic="driver-events"\} 2/);
    assert.match(text, /gofuture_eventlog_records_consumed_total\{topic="driver-events",group="g"\} 2/);
    assert.match(text, /gofuture_eventlog_consumer_lag\{topic="driver-events",group="g"\} 0/);
    // one series per partition of the topic, all caught up
    const perPartition = [...text.matchAll(/gofuture_eventlog_partition_lag\{topic="driver-events",group="g",partition="(\d+)"\} (\d+)/g)];
    assert.equal(perPartition.length, 24);
    assert.ok(perPartition.every((m) => m[2] === '0'));
  });

  void it('never calls a handler synchronously inside publish', async () => {
    await using log = createMemoryEventLog({}, ctx());
    await log.start();
    await log.ensureTopics([{ name: 't', partitions: 1, keyField: 'k', retentionMs: 1, compression: 'none' }]);
    let calls = 0;
    const h = await log.consume({ groupId: 'g', topics: ['t'], handler: async () => void calls++ });
    const p = log.publish('t', [{ key: 'k', value: 'v' }]);
    assert.equal(calls, 0);
    await p;
    await waitFor('delivery', () => calls === 1);
    await h.stop();
  });

  void it('drops a torn last line of a partition file on load', async () => {
    const dir = freshDir('torn');
    const spec = { name: 't', partitions: 1, keyField: 'k', retentionMs: 1, compression: 'none' } as const;
    const a = createMemoryEventLog({ dir }, ctx());
    await a.start();
    await a.ensureTopics([spec]);
    await a.publish('t', [{ key: 'k', value: 'one' }, { key: 'k', value: 'two' }]);
    await a.close();
    const file = join(dir, 'log', 't', '0.jsonl');
    appendFileSync(file, '{"o":2,"k":"k","v":"thr');
    await using b = createMemoryEventLog({ dir }, ctx());
    await b.start();
    assert.deepEqual((await b.read('t', 0, '0', 10)).map((r) => r.value), ['one', 'two']);
    assert.deepEqual(await b.publish('t', [{ key: 'k', value: 'three' }]), [{ partition: 0, offset: '2' }]);
    assert.deepEqual(readdirSync(join(dir, 'log', 't')), ['0.jsonl']);
  });

  void it('close() lets the handler in flight finish and persists its commit', async () => {
    const dir = freshDir('close');
    const a = createMemoryEventLog({ dir }, ctx());
    await a.start();
    await a.ensureTopics([{ name: 't', partitions: 2, keyField: 'k', retentionMs: 1, compression: 'none' }]);
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    let handled = 0;
    let entered = false;
    await a.consume({ groupId: 'g', topics: ['t'], handler: async (b) => { entered = true; await gate; handled += b.records.length; } });
    await a.publish('t', [{ key: 'only', value: '1' }, { key: 'only', value: '2' }]);
    await waitFor('the handler', () => entered);
    let closed = false;
    const closing = a.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(closed, false, 'close waits for the handler');
    open();
    await closing;
    assert.equal(handled, 2);
    await using b = createMemoryEventLog({ dir }, ctx());
    await b.start();
    assert.deepEqual(Object.values(await b.committedOffsets('g', 't')), ['2']);
  });

  void it('refuses calls before start and a bad config', async () => {
    const log = createMemoryEventLog({}, ctx());
    await assert.rejects(log.publish('t', []), withCode('CONNECTOR_NOT_STARTED'));
    assert.throws(() => createMemoryEventLog({ maxRecordsPerPartition: 1 }, ctx()), /connectors\.eventLog\.maxRecordsPerPartition/);
  });

  void it('keeps at most maxRecordsPerPartition records; a lagging group skips to the oldest held', async () => {
    await using log = createMemoryEventLog({ maxRecordsPerPartition: 100 }, ctx());
    await log.start();
    await log.ensureTopics([{ name: 't', partitions: 1, keyField: 'k', retentionMs: 1, compression: 'none' }]);
    for (let i = 0; i < 300; i++) await log.publish('t', [{ key: 'k', value: String(i) }]);
    assert.deepEqual(await log.endOffsets('t'), { 0: '300' });
    const held = await log.read('t', 0, '0', 1000);
    assert.ok(held.length >= 100 && held.length <= 110, `held ${held.length}`);
    assert.equal(held.at(-1)?.offset, '299');
    const got: string[] = [];
    const h = await log.consume({ groupId: 'late', topics: ['t'], handler: async (b) => void got.push(...b.records.map((r) => r.offset)) });
    await waitFor('the held records', () => got.at(-1) === '299');
    assert.equal(got[0], held[0]?.offset);
    await h.stop();
  });
});

void describe('embedded warehouse specifics', () => {
  const table: TableContract = {
    name: 'specific',
    columns: [{ name: 'id', type: 'string' }, { name: 'n', type: 'int64' }, { name: 'version', type: 'int64' }],
    orderBy: ['id'],
    dedup: { key: ['id'], version: 'version' },
  };

  void it('keeps rows across a restart of the same file, and counts metrics', async () => {
    const path = join(freshDir('wh'), 'w.duckdb');
    const metrics = new Registry();
    const a = createDuckDbWarehouse({ path }, ctx(metrics));
    await a.start();
    await a.ensureTables([table]);
    const r = await a.insert('specific', [{ id: 'x', n: 1, version: 1 }, { id: 'y', n: 'oops', version: 1 }, { id: 'z', n: 1, version: 1, extra: 1 }]);
    assert.equal(r.inserted, 1);
    assert.deepEqual(r.rejected.map((x) => x.row.id), ['z', 'y']);
    await a.close();
    const text = await metrics.metrics();
    assert.match(text, /gofuture_warehouse_rows_inserted_total 1/);
    assert.match(text, /gofuture_warehouse_rows_rejected_total 2/);
    assert.match(text, /gofuture_warehouse_queries_total\{kind="insert"\} 1/);
    assert.match(text, /gofuture_warehouse_query_seconds_count \d+/);

    await using b = createDuckDbWarehouse({ path }, ctx());
    await b.start();
    await b.ensureTables([table]);
    assert.deepEqual(await b.query('SELECT id, n FROM specific'), [{ id: 'x', n: 1 }]);
  });

  void it('adds nullable columns a newer contract declares to an existing table', async () => {
    await using w = createDuckDbWarehouse({ path: ':memory:' }, ctx());
    await w.start();
    await w.ensureTables([table]);
    await w.insert('specific', [{ id: 'a', n: 1, version: 1 }]);
    const grown: TableContract = { ...table, columns: [...table.columns, { name: 'note', type: 'string', nullable: true }] };
    await w.ensureTables([grown]);
    await w.insert('specific', [{ id: 'b', n: 2, version: 1, note: 'new' }]);
    assert.deepEqual(await w.query('SELECT id, note FROM specific ORDER BY id'), [{ id: 'a', note: null }, { id: 'b', note: 'new' }]);
    const strict: TableContract = { ...table, columns: [...table.columns, { name: 'must', type: 'int64' }] };
    await assert.rejects(w.ensureTables([strict]), withCode('WAREHOUSE_QUERY_FAILED'));
  });

  void it('refuses integers beyond the safe range, calls before start, unknown tables', async () => {
    await using w = createDuckDbWarehouse({ path: ':memory:' }, ctx());
    await assert.rejects(w.query('SELECT 1 AS one'), withCode('CONNECTOR_NOT_STARTED'));
    await w.start();
    await assert.rejects(w.query('SELECT 9007199254740993::BIGINT AS big'), withCode('WAREHOUSE_QUERY_FAILED'));
    assert.deepEqual(await w.query('SELECT sum(x) AS s FROM (SELECT 9007199254740991::BIGINT AS x)'), [{ s: 9007199254740991 }]);
    await assert.rejects(w.insert('nope', []), withCode('WAREHOUSE_QUERY_FAILED'));
    assert.deepEqual(await w.query('SELECT count() AS n FROM range(3) WHERE range IN ({xs})', { xs: [] }), [{ n: 0 }]);
  });

  void it('rejects a bad config naming the key', () => {
    assert.throws(() => createDuckDbWarehouse({ path: '' }, ctx()), /connectors\.warehouse\.path/);
  });
});

void describe('embedded online store specifics', () => {
  void it('sweeps expired vectors', async () => {
    await using s = createMemoryOnlineStore({ sweepIntervalMs: 10 }, ctx());
    await s.start();
    await s.put([{ entity: 'e', id: 'a', values: { v: 1 }, ttlMs: 1 }, { entity: 'e', id: 'b', values: { v: 1 }, ttlMs: 60_000 }]);
    assert.equal((await s.health()).detail, '2 vectors in memory');
    await waitFor('the timer to sweep the expired one', async () => (await s.health()).detail === '1 vectors in memory');
    assert.equal(s.sweep(Date.now() + 120_000), 1);
    assert.equal((await s.health()).detail, '0 vectors in memory');
  });
});

void describe('embedded registry', () => {
  void it('registers one factory per capability and builds them from config', async () => {
    const registry = registerEmbeddedConnectors(new ConnectorRegistry());
    assert.deepEqual(registry.kinds('eventLog'), ['memory']);
    assert.deepEqual(registry.kinds('warehouse'), ['duckdb']);
    assert.deepEqual(registry.kinds('onlineStore'), ['memory']);
    assert.deepEqual(registry.kinds('pubSub'), ['memory']);
    const w = registry.create('warehouse', { kind: 'duckdb', path: ':memory:' }, ctx(), 'connectors.warehouse');
    assert.equal(w.kind, 'duckdb');
    await w.start();
    assert.equal((await w.health()).ok, true);
    await w.close();
    assert.throws(() => registry.create('eventLog', { kind: 'memory', dir: 5 }, ctx(), 'connectors.eventLog'), withCode('CONFIG_INVALID'));
    assert.throws(() => registry.create('pubSub', { kind: 'memory', extra: true }, ctx(), 'connectors.pubSub'), withCode('CONFIG_INVALID'));
  });
});
