/**
 * The Kafka event log's value formats (connectors/kafka/kafka-value-codec.ts): `avro` writes domain
 * records of domain topics in Confluent's wire format and gives consumers their JSON text back;
 * control records (x-gofuture-control, the producer watermark marks) and other topics pass through
 * untouched; `json` changes nothing anywhere.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { avroValueCodec, jsonValueCodec } from '../../connectors/kafka/kafka-value-codec.ts';
import { EventWireCodec } from '../../connectors/schema-registry/event-wire-codec.ts';
import { MemorySchemaRegistry } from '../../connectors/schema-registry/memory-schema-registry.ts';
import { CONTROL_HEADER, watermarkOf, watermarkRecord } from '../../schema/events/control-records.ts';
import { EVENT_TOPIC } from '../../schema/events/domain-events.ts';
import { TOPICS } from '../../schema/events/topics.ts';
import { withCode } from '../conformance/helpers.ts';
import { SAMPLE_EVENTS } from '../support/avro/sample-events.ts';

const codec = () => avroValueCodec(new EventWireCodec(new MemorySchemaRegistry({ compatibility: 'BACKWARD' }, { logger: pino({ level: 'silent' }), metrics: new Registry() })));

void describe('Kafka value codec', () => {
  void it('avro: every domain event goes out in wire format and comes back as its JSON text', async () => {
    const c = codec();
    for (const e of SAMPLE_EVENTS) {
      const topic = EVENT_TOPIC[e.event_type].name;
      const out = await c.encode(topic, { key: 'k', value: JSON.stringify(e) });
      assert.ok(Buffer.isBuffer(out));
      assert.equal(out.readUInt8(0), 0);
      const back = await c.decode(topic, out, {});
      assert.ok(back.ok);
      assert.deepEqual(JSON.parse(back.value), e);
    }
  });

  void it('avro: control records pass through untouched, both ways', async () => {
    const c = codec();
    const mark = watermarkRecord('~watermark-0', 'simulator', Date.UTC(2025, 0, 15, 10));
    const out = await c.encode(TOPICS.booking.name, mark);
    assert.equal(out, mark.value);
    const back = await c.decode(TOPICS.booking.name, Buffer.from(mark.value), mark.headers);
    assert.deepEqual(back, { ok: true, value: mark.value });
    assert.equal(watermarkOf({ headers: mark.headers }), Date.UTC(2025, 0, 15, 10));
    // any control kind, not only watermarks
    assert.equal(await c.encode(TOPICS.saga.name, { key: 'k', value: 'opaque', headers: { [CONTROL_HEADER]: 'future-kind' } }), 'opaque');
  });

  void it('avro: topics that are not domain topics pass through untouched', async () => {
    const c = codec();
    for (const topic of [TOPICS.deadLetter.name, TOPICS.fraudLabels.name, 'pg.public.trips']) {
      assert.equal(await c.encode(topic, { key: 'k', value: '{"any":"json"}' }), '{"any":"json"}');
      assert.deepEqual(await c.decode(topic, Buffer.from('{"any":"json"}'), {}), { ok: true, value: '{"any":"json"}' });
    }
  });

  void it('avro: the producer refuses an invalid event on a domain topic; a consumer codes what it cannot decode', async () => {
    const c = codec();
    await assert.rejects(c.encode(TOPICS.booking.name, { key: 'k', value: '{"not":"an event"}' }), withCode('EVENT_INVALID'));
    const r = await c.decode(TOPICS.booking.name, Buffer.from('{"not":"an event"}'), {});
    assert.deepEqual(r.ok ? null : r.code, 'EVENT_UNDECODABLE');
  });

  void it('json: values are the contract text as they are', async () => {
    assert.equal(await jsonValueCodec.encode(TOPICS.booking.name, { key: 'k', value: 'x' }), 'x');
    assert.deepEqual(await jsonValueCodec.decode(TOPICS.booking.name, Buffer.from('{"not":"an event"}'), {}), { ok: true, value: '{"not":"an event"}' });
    assert.deepEqual(await jsonValueCodec.decode(TOPICS.booking.name, null, {}), { ok: true, value: '' });
  });
});
