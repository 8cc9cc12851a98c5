/**
 * The CDC job on real embedded parts: Debezium records in the embedded event log, read by the
 * Debezium-topics ChangeSource, moved by the job into change topics, outbox rows routed to the
 * domain topics, bad payloads and undecodable changes dead-lettered with their reason codes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { LogRecord } from '../../connectors/contracts/event-log.ts';
import { createDebeziumTopicSource } from '../../connectors/debezium/index.ts';
import { createMemoryEventLog, type MemoryEventLog } from '../../connectors/embedded/index.ts';
import { OUTBOX_HEADERS, startCdcJob } from '../../jobs/cdc/index.ts';
import type { DomainEvent } from '../../schema/events/domain-events.ts';
import { DEAD_LETTER_HEADERS, TOPICS } from '../../schema/events/topics.ts';
import { waitFor } from '../conformance/helpers.ts';

const logger = pino({ level: 'silent' });
const IN = ['dbz.booking.outbox', 'dbz.booking.bookings'];

const created = (id: string): DomainEvent => ({
  event_id: `evt-${id}`, occurred_at: 1714550400000, producer: 'booking-service', schema_version: 1, event_type: 'BookingCreated',
  data: { booking_id: id, rider_id: 'r1', region_id: 'moscow-center', pickup: { lat: 55.75, lon: 37.61 }, dropoff: { lat: 55.7, lon: 37.5 }, estimated_distance_km: 7.5, weather: 'clear' },
});

const source = (table: string) => ({ connector: 'postgresql', name: 'dbz', ts_ms: 1714550400500, snapshot: false, db: 'gofuture', schema: 'booking', table, txId: 9, lsn: 100 });

function outboxChange(op: 'c' | 'r' | 'u', e: DomainEvent, over: Record<string, unknown> = {}, payloadAsObject = false): string {
  const row = { event_id: e.event_id, aggregate_type: 'Booking', aggregate_id: 'b', event_type: e.event_type, topic: 'booking-events', key: 'moscow-center', payload: payloadAsObject ? e : JSON.stringify(e), occurred_at: e.occurred_at, ...over };
  return JSON.stringify({ before: op === 'u' ? row : null, after: row, source: source('outbox'), op, ts_ms: 1714550400600 });
}

async function all(log: MemoryEventLog, topic: string): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for (const p of Object.keys(await log.endOffsets(topic))) out.push(...await log.read(topic, Number(p), '0', 10_000));
  return out;
}

void describe('cdc job', () => {
  void it('routes outbox inserts to domain topics, copies changes to cdc topics, dead-letters what is bad', async () => {
    const metrics = new Registry();
    const log = createMemoryEventLog({}, { logger, metrics });
    await log.start();
    await log.ensureTopics(IN.map((name) => ({ name, partitions: 1, keyField: 'pk', retentionMs: 86_400_000, compression: 'none' as const })));
    await log.publish('dbz.booking.outbox', [
      { key: 'k', value: outboxChange('r', created('b1')) },
      { key: 'k', value: outboxChange('c', created('b2'), {}, true) },
      { key: 'k', value: outboxChange('u', created('b2')) }, // an update of an outbox row routes nothing
      { key: 'k', value: outboxChange('c', created('b3'), { payload: '{"event_type":"BookingCreated"}' }) },
      { key: 'k', value: outboxChange('c', created('b4'), { topic: 'payment-events' }) },
      { key: 'k', value: JSON.stringify({ op: 'c', before: null }) }, // undecodable change
    ]);
    await log.publish('dbz.booking.bookings', [
      { key: 'k', value: JSON.stringify({ before: null, after: { booking_id: 'b1', status: 'created' }, source: source('bookings'), op: 'c', ts_ms: 1 }) },
    ]);
    const src = createDebeziumTopicSource({ topics: IN, groupId: 'cdc-unit' }, { logger, metrics }, { eventLog: log });
    const job = await startCdcJob({ source: src, log, logger, metrics, keyColumns: { 'booking.bookings': ['booking_id'] } });
    await waitFor('all 7 records handled', () => src.stats.records === 7);

    const routed = await all(log, TOPICS.booking.name);
    assert.deepEqual(routed.map((r) => r.headers[OUTBOX_HEADERS.eventId]).sort(), ['evt-b1', 'evt-b2'], 'snapshot (r) and insert (c) rows routed, update not');
    const b2 = routed.find((r) => r.headers[OUTBOX_HEADERS.eventId] === 'evt-b2');
    assert.equal(b2?.key, 'moscow-center');
    assert.deepEqual(JSON.parse(b2?.value ?? ''), created('b2'), 'value = the payload (given as an object here)');
    assert.equal(b2?.headers[OUTBOX_HEADERS.outbox], 'booking.outbox');
    assert.equal(b2?.timestamp, 1714550400000);

    const dead = await all(log, TOPICS.deadLetter.name);
    const byCode = (code: string): LogRecord[] => dead.filter((r) => r.headers[DEAD_LETTER_HEADERS.reasonCode] === code);
    assert.equal(byCode('EVENT_INVALID').length, 2);
    assert.ok(byCode('EVENT_INVALID').some((r) => /evt-b3: invalid event at/.test(r.headers[DEAD_LETTER_HEADERS.reason] ?? '')));
    assert.ok(byCode('EVENT_INVALID').some((r) => /evt-b4: topic column payment-events but BookingCreated belongs on booking-events/.test(r.headers[DEAD_LETTER_HEADERS.reason] ?? '')));
    assert.equal(byCode('EVENT_INVALID')[0]?.headers[DEAD_LETTER_HEADERS.sourceTopic], 'cdc.booking.outbox');
    const [changeInvalid] = byCode('CHANGE_INVALID');
    assert.equal(changeInvalid?.value, JSON.stringify({ op: 'c', before: null }), 'the raw change kept');
    assert.equal(changeInvalid?.headers[DEAD_LETTER_HEADERS.sourceTopic], 'changeSource/debezium-topics');
    assert.equal(changeInvalid?.headers[DEAD_LETTER_HEADERS.stage], 'cdc');

    const outboxCopies = await all(log, 'cdc.booking.outbox');
    assert.equal(outboxCopies.length, 5, 'every decodable change is copied to its change topic');
    assert.equal(outboxCopies[0]?.key, 'booking.outbox', 'no known primary key: keyed by table');
    const [bookingCopy] = await all(log, 'cdc.booking.bookings');
    assert.equal(bookingCopy?.key, '{"booking_id":"b1"}', 'keyed like Debezium keys: the primary key as JSON');
    assert.deepEqual({ ...job.stats }, { batches: job.stats.batches, changes: 6, routed: 2, deadLettered: 3, skippedRepublish: 0 });
    assert.match(await metrics.metrics(), /gofuture_cdc_records_published_total\{kind="outbox"\} 2/);
    await job.stop();
    assert.equal(job.state(), 'stopped');
    await src.close();
    await log.close();
  });
});
