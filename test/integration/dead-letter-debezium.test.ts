/**
 * The Debezium-topics ChangeSource (what Kafka Connect + Debezium write) under the CDC job, on the
 * real Kafka (KAFKA_BROKERS, default 127.0.0.1:19092; `bash scripts/services.sh up kafka`). One
 * Debezium-named topic gets a valid outbox insert (bare envelope), an envelope with an unknown op, a
 * malformed JSON record and a schemas-enabled `{schema, payload}` outbox insert. The valid two must
 * reach the change topic and be routed to booking-events; the bad two must be on the dead-letter topic
 * (CHANGE_INVALID, a reason naming the problem and the record's topic/partition@offset, the raw value
 * kept); nothing else lost, nothing extra. booking-events and dead-letter are shared fixed-name topics:
 * the test reads them from their end offsets at its start and only counts its own records. Its own
 * topics and consumer group are deleted afterwards.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { LogRecord } from '../../connectors/contracts/event-log.ts';
import { createDebeziumTopicSource } from '../../connectors/debezium/index.ts';
import { createKafkaEventLog } from '../../connectors/kafka/index.ts';
import { CDC_HEADERS, OUTBOX_HEADERS, startCdcJob } from '../../jobs/cdc/index.ts';
import { parseDebeziumEnvelope } from '../../schema/events/debezium.ts';
import type { DomainEvent } from '../../schema/events/domain-events.ts';
import { ALL_TOPICS, DEAD_LETTER_HEADERS, TOPICS } from '../../schema/events/topics.ts';
import { uniqueName, waitFor } from '../conformance/helpers.ts';
import { deleteKafkaState, readTopic } from './support/kill-kafka.ts';
import { KAFKA_BROKERS, requireKafka } from './support/services.ts';

const logger = pino({ level: 'silent' });

const created = (id: string, at: number): DomainEvent => ({
  event_id: id, occurred_at: at, producer: 'booking-service', schema_version: 1, event_type: 'BookingCreated',
  data: { booking_id: `b-${id}`, rider_id: 'r1', region_id: 'kzn', pickup: { lat: 55.79, lon: 49.1 }, dropoff: { lat: 55.8, lon: 49.2 }, estimated_distance_km: 4.2, weather: 'clear' },
});

function outboxInsert(e: DomainEvent, op = 'c'): Record<string, unknown> {
  return {
    before: null,
    after: { event_id: e.event_id, aggregate_type: 'Booking', aggregate_id: `b-${e.event_id}`, event_type: e.event_type, topic: 'booking-events', key: 'kzn', payload: JSON.stringify(e), occurred_at: e.occurred_at },
    source: { version: '2.5.0.Final', connector: 'postgresql', name: 'dbserver1', ts_ms: e.occurred_at, snapshot: 'false', db: 'gofuture', schema: 'booking', table: 'outbox', txId: 771, lsn: 23_987_112 },
    op, ts_ms: e.occurred_at + 5,
  };
}

void describe('dead letters of the Debezium-topics source, on Kafka', () => {
  before(() => requireKafka());

  void it('publishes the valid changes (bare and {schema, payload}), routes their outbox rows, dead-letters an unknown op and malformed JSON', { timeout: 60_000 }, async () => {
    const u = uniqueName('dlq').toLowerCase();
    const dbzTopic = `dbz_${u}.booking.outbox`;
    const prefix = `cdcd_${u}`;
    const changeTopic = `${prefix}.booking.outbox`;
    const groupId = `${u}-cdc`;
    const metrics = new Registry();
    const log = createKafkaEventLog({ brokers: [...KAFKA_BROKERS], clientId: u, sessionTimeoutMs: 10_000, fetchMaxWaitMs: 100, retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 } }, { logger, metrics });
    const now = Date.UTC(2024, 4, 1, 9);
    const e1 = created(`${u}-e1`, now);
    const e2 = created(`${u}-e2`, now + 1000);
    const bad = { unknownOp: JSON.stringify(outboxInsert(created(`${u}-e3`, now + 2000), 'x')), malformed: `{"before":null,"after":{"event_id":"${u}-e4"` };
    const source = createDebeziumTopicSource({ topics: [dbzTopic], groupId }, { logger, metrics }, { eventLog: log });
    try {
      await log.start();
      await log.ensureTopics([...ALL_TOPICS, { name: dbzTopic, partitions: 1, keyField: 'event_id', retentionMs: 3_600_000, compression: 'none' }]);
      const from = { booking: await log.endOffsets(TOPICS.booking.name), dead: await log.endOffsets(TOPICS.deadLetter.name) };
      await log.publish(dbzTopic, [
        { key: JSON.stringify({ event_id: e1.event_id }), value: JSON.stringify(outboxInsert(e1)) },
        { key: JSON.stringify({ event_id: `${u}-e3` }), value: bad.unknownOp },
        { key: JSON.stringify({ event_id: `${u}-e4` }), value: bad.malformed },
        { key: JSON.stringify({ event_id: e2.event_id }), value: JSON.stringify({ schema: { type: 'struct', name: 'dbserver1.booking.outbox.Envelope', optional: false, fields: [] }, payload: outboxInsert(e2) }) },
      ]);
      const t0 = Date.now();
      const job = await startCdcJob({ source, log, logger, metrics, topicPrefix: prefix, keyColumns: { 'booking.outbox': ['event_id'] } });
      await waitFor('the 4 Debezium records handled', () => source.stats.records === 4, { timeoutMs: 30_000 });
      const ms = Date.now() - t0;

      const copies = await readTopic(log, changeTopic);
      assert.deepEqual(copies.map((r) => r.key).sort(), [e1, e2].map((e) => JSON.stringify({ event_id: e.event_id })).sort(), 'both valid changes on the change topic, keyed by primary key');
      for (const r of copies) {
        const p = parseDebeziumEnvelope(r.value);
        assert.ok(p.ok && p.envelope.op === 'c', 'a bare envelope (the {schema, payload} wrapping removed)');
        assert.equal(r.headers[CDC_HEADERS.source], `debezium-topics:${groupId}`);
        assert.equal(r.headers[CDC_HEADERS.seq], undefined, 'offsets of several partitions are not one order: at-least-once, no seq');
      }
      const mine = (r: LogRecord): boolean => (r.headers[OUTBOX_HEADERS.eventId] ?? '').startsWith(u);
      const routed = (await readTopic(log, TOPICS.booking.name, from.booking)).filter(mine);
      assert.deepEqual(routed.map((r) => r.headers[OUTBOX_HEADERS.eventId]).sort(), [e1.event_id, e2.event_id].sort(), 'each valid outbox insert routed once');
      assert.deepEqual(routed.map((r) => JSON.parse(r.value) as DomainEvent).sort((a, b) => a.occurred_at - b.occurred_at), [e1, e2]);

      const letters = (await readTopic(log, TOPICS.deadLetter.name, from.dead)).filter((r) => (r.headers[DEAD_LETTER_HEADERS.reason] ?? '').includes(dbzTopic));
      assert.equal(letters.length, 2, 'the two bad records, and only them');
      for (const l of letters) {
        assert.equal(l.headers[DEAD_LETTER_HEADERS.reasonCode], 'CHANGE_INVALID');
        assert.equal(l.headers[DEAD_LETTER_HEADERS.sourceTopic], 'changeSource/debezium-topics');
        assert.equal(l.headers[DEAD_LETTER_HEADERS.stage], 'cdc');
      }
      const byValue = new Map(letters.map((l) => [l.value, l.headers[DEAD_LETTER_HEADERS.reason] ?? '']));
      assert.match(byValue.get(bad.unknownOp) ?? '', new RegExp(`^${dbzTopic.replace(/\./g, '\\.')}/0@1: invalid Debezium envelope at op`), 'the unknown op: named, with topic/partition@offset, raw value kept');
      assert.match(byValue.get(bad.malformed) ?? '', new RegExp(`^${dbzTopic.replace(/\./g, '\\.')}/0@2: not JSON`), 'the malformed record: named, raw value kept');
      assert.deepEqual({ ...job.stats }, { batches: job.stats.batches, changes: 2, routed: 2, deadLettered: 2, skippedRepublish: 0 });
      assert.match(await metrics.metrics(), new RegExp(`gofuture_cdc_debezium_invalid_total\\{topic="${dbzTopic.replace(/\./g, '\\.')}"\\} 2`));
      await job.stop();
      console.log(`# debezium-topics on Kafka: 4 records -> 2 changes (2 routed), 2 dead letters (CHANGE_INVALID) in ${ms} ms`);
    } finally {
      await source.close();
      await log.close().catch(() => undefined);
      await deleteKafkaState({ topics: [dbzTopic, changeTopic], groups: [groupId] });
    }
  });
});
