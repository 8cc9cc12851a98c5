/**
 * The Debezium-topics ChangeSource on the embedded event log: schemas-enabled and bare envelopes,
 * tombstones skipped and counted, malformed records and unknown ops as `invalid` with a reason,
 * positions as topic offsets, resume from committed offsets.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { ChangeBatch } from '../../connectors/contracts/change-source.ts';
import { createDebeziumTopicSource, debeziumTopicSourceFactory } from '../../connectors/debezium/index.ts';
import { createMemoryEventLog } from '../../connectors/embedded/index.ts';
import { ConnectorRegistry } from '../../connectors/registry.ts';
import { waitFor, withCode } from '../conformance/helpers.ts';

const logger = pino({ level: 'silent' });
const TOPIC = 'dbserver1.booking.bookings';

const envelope = (op: string, id: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  before: op === 'c' || op === 'r' ? null : { booking_id: `b${id}`, status: 'created' },
  after: op === 'd' ? null : { booking_id: `b${id}`, status: 'accepted' },
  source: { version: '2.7.0.Final', connector: 'postgresql', name: 'dbserver1', ts_ms: 1714550400000, snapshot: 'false', db: 'booking', schema: 'booking', table: 'bookings', txId: 700 + id, lsn: 24023128 + id },
  op, ts_ms: 1714550400123, ...extra,
});

async function setup(): Promise<{ log: ReturnType<typeof createMemoryEventLog>; metrics: Registry }> {
  const metrics = new Registry();
  const log = createMemoryEventLog({}, { logger, metrics });
  await log.start();
  await log.ensureTopics([{ name: TOPIC, partitions: 1, keyField: 'booking_id', retentionMs: 86_400_000, compression: 'none' }]);
  return { log, metrics };
}

void describe('debezium topic source', () => {
  void it('parses wrapped and bare envelopes, counts tombstones, turns bad records into invalid with a reason', async () => {
    const { log, metrics } = await setup();
    await log.publish(TOPIC, [
      { key: '{"booking_id":"b1"}', value: JSON.stringify({ schema: { type: 'struct', optional: false }, payload: envelope('c', 1) }) },
      { key: '{"booking_id":"b1"}', value: JSON.stringify(envelope('u', 1)) },
      { key: '{"booking_id":"b1"}', value: JSON.stringify(envelope('d', 1)) },
      { key: '{"booking_id":"b1"}', value: '' }, // tombstone
      { key: '{"booking_id":"b2"}', value: '{"before": null, "after": ' }, // malformed
      { key: '{"booking_id":"b2"}', value: JSON.stringify(envelope('x', 2)) }, // unknown op
      { key: '{"booking_id":"b3"}', value: JSON.stringify({ ...envelope('c', 3), after: null }) }, // c without after
      { key: '{"booking_id":"b4"}', value: JSON.stringify(envelope('r', 4, { source: { ...envelope('r', 4).source as object, snapshot: 'last' } })) },
    ]);
    const src = createDebeziumTopicSource({ topics: [TOPIC], groupId: 'dbz-test' }, { logger, metrics }, { eventLog: log });
    await assert.rejects(src.stream(async () => undefined), withCode('CONNECTOR_NOT_STARTED'));
    await src.start();
    const batches: ChangeBatch[] = [];
    const h = await src.stream(async (b) => void batches.push(b));
    await waitFor('8 records handled', () => src.stats.records === 8);
    const changes = batches.flatMap((b) => b.changes);
    const invalid = batches.flatMap((b) => b.invalid);
    assert.deepEqual(changes.map((c) => c.op), ['c', 'u', 'd', 'r']);
    assert.deepEqual(changes[0]?.after, { booking_id: 'b1', status: 'accepted' }, 'schemas-enabled payload unwrapped');
    assert.equal(changes[3]?.source.snapshot, 'last');
    assert.equal(invalid.length, 3);
    assert.match(invalid[0]!.reason, /^dbserver1\.booking\.bookings\/0@4: not JSON/);
    assert.match(invalid[1]!.reason, /@5: invalid Debezium envelope at op/);
    assert.match(invalid[2]!.reason, /@6: op c without after/);
    assert.equal(invalid[1]!.raw, JSON.stringify(envelope('x', 2)), 'the raw record kept for the dead-letter topic');
    assert.equal(src.stats.tombstones, 1);
    assert.deepEqual(JSON.parse(batches[batches.length - 1]!.position), { [TOPIC]: { 0: '8' } });
    await waitFor('confirmed', () => h.confirmedPosition() === JSON.stringify({ [TOPIC]: { 0: '8' } }));
    assert.deepEqual(await log.committedOffsets('dbz-test', TOPIC), { 0: '8' });
    assert.match(await metrics.metrics(), /gofuture_cdc_tombstones_total\{topic="dbserver1.booking.bookings"\} 1/);
    assert.equal((await src.health()).ok, true);
    await h.stop();
    await src.close();
    await log.close();
  });

  void it('resumes after the committed offsets; a rejecting handler gets the same records again', async () => {
    const { log, metrics } = await setup();
    await log.publish(TOPIC, [1, 2].map((i) => ({ key: `b${i}`, value: JSON.stringify(envelope('c', i)) })));
    const factory = debeziumTopicSourceFactory({ eventLog: log });
    const registry = new ConnectorRegistry().register(factory);
    const a = registry.create<ReturnType<typeof createDebeziumTopicSource>>('changeSource', { kind: 'debezium-topics', topics: [TOPIC], groupId: 'dbz-resume' }, { logger, metrics }, 'connectors.changeSource');
    await a.start();
    const seenA: string[] = [];
    const ha = await a.stream(async (b) => void seenA.push(...b.changes.map((c) => String(c.after?.booking_id))));
    await waitFor('2 changes', () => seenA.length === 2);
    await ha.stop();
    await a.close();

    await log.publish(TOPIC, [3].map((i) => ({ key: `b${i}`, value: JSON.stringify(envelope('c', i)) })));
    const b = registry.create<ReturnType<typeof createDebeziumTopicSource>>('changeSource', { kind: 'debezium-topics', topics: [TOPIC], groupId: 'dbz-resume' }, { logger, metrics }, 'connectors.changeSource');
    await b.start();
    const seenB: string[] = [];
    let failures = 0;
    const hb = await b.stream(async (batch) => {
      if (failures < 2) {
        failures++;
        throw new Error('not now');
      }
      seenB.push(...batch.changes.map((c) => String(c.after?.booking_id)));
    });
    await waitFor('b3 after two rejections', () => seenB.length === 1, { timeoutMs: 10_000 });
    assert.deepEqual(seenA, ['b1', 'b2']);
    assert.deepEqual(seenB, ['b3'], 'only what was not committed, and not skipped after rejections');
    await hb.stop();
    await b.close();
    assert.throws(() => registry.create('changeSource', { kind: 'debezium-topics', topics: [], groupId: 'g' }, { logger, metrics }, 'connectors.changeSource'), /connectors\.changeSource\.topics/);
    await log.close();
  });
});
