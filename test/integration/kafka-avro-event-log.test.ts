/**
 * The Kafka event log with `valueFormat: avro` against a real broker and a real schema registry
 * (Apicurio's Confluent-compatible API; `bash scripts/services.sh up kafka apicurio`):
 * - every event type is written in Confluent's wire format (byte 0, the 4-byte id its subject got in
 *   the registry, the Avro body that id's schema decodes) and consumers get the event back as JSON;
 * - control records (producer watermarks) pass through untouched;
 * - the producer refuses an invalid event (EVENT_INVALID) and writes nothing;
 * - a record with an unknown schema id or no wire format goes to the dead-letter topic with its coded
 *   reason and raw bytes, and the consumer carries on with the next record.
 * The Avro topic is unique per run (config `avroTopics`), so other runs' records never mix in.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import avro from 'avsc';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { LogRecord } from '../../connectors/contracts/event-log.ts';
import { createKafkaEventLog, type KafkaEventLog } from '../../connectors/kafka/index.ts';
import { ConfluentSchemaRegistry } from '../../connectors/schema-registry/confluent-schema-registry.ts';
import { watermarkRecord } from '../../schema/events/control-records.ts';
import { eventKey, parseDomainEvent } from '../../schema/events/domain-events.ts';
import { subjectOf } from '../../schema/events/avro/event-schemas.ts';
import { decodeWire, encodeWire } from '../../schema/events/avro/wire-format.ts';
import { DEAD_LETTER_HEADERS, TOPICS, type TopicSpec } from '../../schema/events/topics.ts';
import { uniqueName, waitFor, withCode } from '../conformance/helpers.ts';
import { SAMPLE_EVENTS, sampleEvent } from '../support/avro/sample-events.ts';
import { produceRaw, rawRecords } from './support/raw-kafka.ts';
import { KAFKA_BROKERS, requireKafka, requireSchemaRegistry, SCHEMA_REGISTRY_URL } from './support/services.ts';

const ctx = (metrics = new Registry()) => ({ logger: pino({ level: 'silent' }), metrics });
const registryConfig = { url: SCHEMA_REGISTRY_URL, compatibility: 'BACKWARD' as const, requestTimeoutMs: 10_000, retry: { retries: 2, initialMs: 100, maxMs: 500 } };

void describe('kafka event log, Avro in Confluent wire format (real Kafka + real registry)', () => {
  const topic: TopicSpec = { name: uniqueName('it-avro-events'), partitions: 3, keyField: 'region_id', retentionMs: 3_600_000, compression: 'none' };
  let log: KafkaEventLog;
  let registry: ConfluentSchemaRegistry;
  let metrics: Registry;

  before(async () => {
    await requireKafka();
    await requireSchemaRegistry();
    metrics = new Registry();
    log = createKafkaEventLog({
      brokers: [...KAFKA_BROKERS], clientId: 'gofuture-it-avro', sessionTimeoutMs: 10_000, heartbeatIntervalMs: 500, fetchMaxWaitMs: 100,
      retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 1_000 },
      valueFormat: 'avro', avroTopics: [topic.name], schemaRegistry: registryConfig,
    }, ctx(metrics));
    await log.start();
    await log.ensureTopics([topic, TOPICS.deadLetter]);
    registry = new ConfluentSchemaRegistry(registryConfig, ctx());
    await registry.start();
  });
  after(async () => {
    await log.close();
    await registry.close();
  });

  /** Consumes `topic` in a new group from the end until `n` records arrived. */
  async function consumeN(groupId: string, n: number, produce: () => Promise<void>): Promise<LogRecord[]> {
    const got: LogRecord[] = [];
    const h = await log.consume({ groupId, topics: [topic.name], fromBeginning: false, handler: async (b) => void got.push(...b.records) });
    try {
      await produce();
      await waitFor(`${n} records in ${groupId}`, () => got.length >= n, { timeoutMs: 30_000 });
    } finally {
      await h.stop();
    }
    return got;
  }

  void it('writes every event type in wire format with its subject\'s schema id; consumers get the events back', async () => {
    const mark = watermarkRecord('~watermark-0', 'it-avro', Date.UTC(2025, 0, 15, 11));
    const before = await log.endOffsets(topic.name);
    const got = await consumeN(uniqueName('it-avro-roundtrip'), SAMPLE_EVENTS.length + 1, async () => {
      await log.publish(topic.name, [...SAMPLE_EVENTS.map((e) => ({ key: eventKey(e), value: JSON.stringify(e) })), mark]);
    });

    // consumers: every event as its JSON, the control record as it was written
    const byId = (a: { event_id: string }, b: { event_id: string }): number => a.event_id.localeCompare(b.event_id);
    const events = got.filter((r) => r.headers['x-gofuture-control'] === undefined).map((r) => JSON.parse(r.value) as { event_id: string });
    assert.deepEqual(events.sort(byId), [...SAMPLE_EVENTS].sort(byId));
    for (const r of got.filter((x) => x.headers['x-gofuture-control'] === undefined)) assert.equal(parseDomainEvent(r.value).ok, true);
    const control = got.find((r) => r.headers['x-gofuture-control'] !== undefined);
    assert.equal(control?.value, mark.value);

    // the bytes on the broker
    const raw = (await rawRecords(topic.name)).filter((r) => BigInt(r.offset) >= BigInt(before[r.partition] ?? '0'));
    assert.equal(raw.length, SAMPLE_EVENTS.length + 1);
    const rawMark = raw.find((r) => r.headers['x-gofuture-control'] !== undefined);
    assert.equal(rawMark?.value?.toString(), mark.value, 'control records are not encoded');
    for (const r of raw.filter((x) => x !== rawMark)) {
      const wire = decodeWire(r.value);
      assert.ok(wire.ok, `offset ${r.offset}: wire format`);
      assert.equal(r.value?.readUInt8(0), 0);
      const writer = avro.Type.forSchema(JSON.parse(await registry.schemaById(wire.schemaId)) as avro.Schema);
      const body = writer.fromBuffer(wire.body) as { event_id: string };
      const e = SAMPLE_EVENTS.find((x) => x.event_id === body.event_id);
      assert.ok(e, `an event we published: ${body.event_id}`);
      const latest = await registry.latest(subjectOf(e.event_type));
      assert.equal(wire.schemaId, latest?.id, `${e.event_type}: the id registered under ${subjectOf(e.event_type)}`);
    }
    // read() (replay) decodes too
    const p = raw[0]?.partition ?? 0;
    const replay = await log.read(topic.name, p, before[p] ?? '0', 100);
    assert.ok(replay.length > 0);
    for (const r of replay) if (r.headers['x-gofuture-control'] === undefined) assert.equal(parseDomainEvent(r.value).ok, true);
  });

  void it('refuses to produce an invalid event (EVENT_INVALID) and writes nothing', async () => {
    const before = await log.endOffsets(topic.name);
    const bad = { ...sampleEvent('BookingCompleted'), data: { ...sampleEvent('BookingCompleted').data, currency: 'rubles' } };
    await assert.rejects(log.publish(topic.name, [{ key: 'msk-center', value: JSON.stringify(sampleEvent('BookingCreated')) }, { key: 'msk-center', value: JSON.stringify(bad) }]), withCode('EVENT_INVALID'));
    await assert.rejects(log.publish(topic.name, [{ key: 'k', value: '{"not":"an event"}' }]), withCode('EVENT_INVALID'));
    assert.deepEqual(await log.endOffsets(topic.name), before);
  });

  void it('dead-letters an unknown schema id and a record not in wire format with the reason; the consumer carries on', async () => {
    const dlqPartition = await log.partitionFor(TOPICS.deadLetter.name, topic.name);
    const dlqFrom = (await log.endOffsets(TOPICS.deadLetter.name))[dlqPartition] ?? '0';
    const good = sampleEvent('BookingStarted', 7);
    const valid = (await rawRecords(topic.name)).find((r) => r.value && decodeWire(r.value).ok);
    assert.ok(valid?.value, 'a wire-format record from the first test to borrow a body from');
    const unknownId = encodeWire(2_000_000_000, decodeWire(valid.value).ok ? valid.value.subarray(5) : Buffer.alloc(0));
    const groupId = uniqueName('it-avro-dlq');
    const got = await consumeN(groupId, 1, async () => {
      await produceRaw(topic.name, [
        { key: 'msk-center', value: unknownId },
        { key: 'msk-center', value: '{"plain":"json, no wire header"}' },
      ]);
      await log.publish(topic.name, [{ key: 'msk-center', value: JSON.stringify(good) }]);
    });
    assert.deepEqual(got.map((r) => JSON.parse(r.value) as unknown), [good], 'only the decodable record reaches the handler');

    let letters: LogRecord[] = [];
    await waitFor('2 dead letters', async () => {
      letters = (await log.read(TOPICS.deadLetter.name, dlqPartition, dlqFrom, 1000)).filter((r) => r.headers[DEAD_LETTER_HEADERS.sourceTopic] === topic.name);
      return letters.length >= 2;
    }, { timeoutMs: 30_000 });
    const codes = letters.map((l) => l.headers[DEAD_LETTER_HEADERS.reasonCode]).sort();
    assert.deepEqual(codes, ['EVENT_UNDECODABLE', 'SCHEMA_UNKNOWN']);
    const unknown = letters.find((l) => l.headers[DEAD_LETTER_HEADERS.reasonCode] === 'SCHEMA_UNKNOWN');
    assert.match(unknown?.headers[DEAD_LETTER_HEADERS.reason] ?? '', /2000000000/);
    assert.equal(unknown?.headers[DEAD_LETTER_HEADERS.stage], `decode:${groupId}`);
    assert.deepEqual(Buffer.from(unknown?.value ?? '', 'base64'), unknownId, 'the raw bytes are kept (base64)');
    const metric = await metrics.getSingleMetricAsString('gofuture_job_events_dead_lettered_total');
    assert.match(metric, new RegExp(`code="SCHEMA_UNKNOWN",job="${groupId}"\\} 1|job="${groupId}",code="SCHEMA_UNKNOWN"\\} 1`));
    // the group committed past all three
    const committed = await log.committedOffsets(groupId, topic.name);
    const end = await log.endOffsets(topic.name);
    assert.deepEqual(committed, Object.fromEntries(Object.entries(end).filter(([p]) => committed[Number(p)] !== undefined)));
  });
});
