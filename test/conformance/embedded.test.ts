/** The conformance suites against the embedded implementations, and the durable event log's restart. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { ConnectorContext } from '../../connectors/contracts/connector.ts';
import { consumerLag, type LogRecord } from '../../connectors/contracts/event-log.ts';
import { createDuckDbWarehouse } from '../../connectors/embedded/duckdb-warehouse.ts';
import { createMemoryEventLog } from '../../connectors/embedded/memory-event-log.ts';
import { createMemoryOnlineStore } from '../../connectors/embedded/memory-online-store.ts';
import { createMemoryPubSub } from '../../connectors/embedded/memory-pub-sub.ts';
import { eventLogConformance } from './event-log.suite.ts';
import { staysTrue, waitFor } from './helpers.ts';
import { onlineStoreConformance } from './online-store.suite.ts';
import { pubSubConformance } from './pub-sub.suite.ts';
import { warehouseConformance } from './warehouse.suite.ts';

const root = mkdtempSync(join(tmpdir(), 'gofuture-embedded-'));
after(() => rmSync(root, { recursive: true, force: true }));

let seq = 0;
const ctx = (): ConnectorContext => ({ logger: pino({ level: 'silent' }), metrics: new Registry() });
const freshDir = (name: string): string => join(root, `${name}-${++seq}`);

warehouseConformance('duckdb (file)', async () => createDuckDbWarehouse({ path: join(freshDir('wh'), 'warehouse.duckdb') }, ctx()));
eventLogConformance('memory', async () => createMemoryEventLog({}, ctx()));
eventLogConformance('memory, durable dir', async () => createMemoryEventLog({ dir: freshDir('log') }, ctx()));
onlineStoreConformance('memory', async () => createMemoryOnlineStore({ sweepIntervalMs: 50 }, ctx()));
pubSubConformance('memory', async () => createMemoryPubSub({}, ctx()));

void describe('durable memory event log across a restart', () => {
  void it('resumes from committed offsets: no loss, no duplicates, records and offsets reloaded', async () => {
    const dir = freshDir('restart');
    const topic = { name: 'rides', partitions: 3, keyField: 'region_id', retentionMs: 86_400_000, compression: 'none' } as const;
    const values = Array.from({ length: 30 }, (_, i) => `e${i}`);

    const first = createMemoryEventLog({ dir }, ctx());
    await first.start();
    await first.ensureTopics([topic]);
    const published = await first.publish('rides', values.map((value, i) => ({ key: `region-${i % 7}`, value, headers: { n: String(i) } })));
    // a consumer handles the first 20 records and commits, then stops
    const seen1: LogRecord[] = [];
    const h1 = await first.consume({
      groupId: 'jobs', topics: ['rides'], maxBatchSize: 1,
      handler: async (b) => {
        if (seen1.length >= 20) throw new Error('not now'); // leave the rest uncommitted
        seen1.push(...b.records);
      },
    });
    await waitFor('20 records handled', () => seen1.length >= 20);
    await h1.stop();
    const committedBefore = await first.committedOffsets('jobs', 'rides');
    const endBefore = await first.endOffsets('rides');
    const replayBefore = await first.read('rides', 0, '0', 100);
    await first.close();

    const second = createMemoryEventLog({ dir }, ctx());
    await second.start();
    await second.ensureTopics([topic]); // existing: kept as loaded
    assert.deepEqual(await second.endOffsets('rides'), endBefore);
    assert.deepEqual(await second.committedOffsets('jobs', 'rides'), committedBefore);
    assert.deepEqual(await second.read('rides', 0, '0', 100), replayBefore);
    assert.equal(await consumerLag(second, 'jobs', 'rides'), 10);

    const seen2: LogRecord[] = [];
    const h2 = await second.consume({ groupId: 'jobs', topics: ['rides'], handler: async (b) => void seen2.push(...b.records) });
    await waitFor('the other 10 records', () => seen2.length >= 10);
    await staysTrue('no duplicates of committed work', () => seen2.length === 10, 100);
    const ids = (rs: LogRecord[]): string[] => rs.map((r) => `${r.partition}:${r.offset}`);
    assert.deepEqual(new Set([...ids(seen1), ...ids(seen2)]).size, 30, 'every record exactly once');
    assert.deepEqual([...seen1, ...seen2].map((r) => r.value).sort(), [...values].sort());
    await h2.stop();
    // publishing continues after the reloaded offsets
    const more = await second.publish('rides', [{ key: 'region-0', value: 'after' }]);
    const p0 = published.find((p, i) => i % 7 === 0 && p)!.partition;
    assert.equal(more[0]?.partition, p0);
    assert.equal(more[0]?.offset, endBefore[p0]);
    await second.close();
  });
});
