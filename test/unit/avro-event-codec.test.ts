/**
 * Avro event contracts: the schemas derived from the zod contracts agree with them, every event type
 * round-trips through Avro and through Confluent's wire format (magic byte 0 + 4-byte big-endian
 * schema id + Avro body) against the in-process registry, invalid events are refused before
 * encoding, and what cannot be decoded is a coded result (EVENT_UNDECODABLE, SCHEMA_UNKNOWN).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import avro from 'avsc';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { MemorySchemaRegistry } from '../../connectors/schema-registry/memory-schema-registry.ts';
import { EventWireCodec } from '../../connectors/schema-registry/event-wire-codec.ts';
import { DomainEventSchema, EVENT_TYPES, EventData, parseDomainEvent } from '../../schema/events/domain-events.ts';
import { decodeEventBody, encodeEventBody, eventJson } from '../../schema/events/avro/event-avro.ts';
import { eventAvroSchema, eventAvroType, eventTypeOfName, subjectOf } from '../../schema/events/avro/event-schemas.ts';
import { decodeWire, encodeWire } from '../../schema/events/avro/wire-format.ts';
import { avroTypeOf, AvroNames, type AvroRecord } from '../../schema/events/avro/zod-to-avro.ts';
import { withCode } from '../conformance/helpers.ts';
import { SAMPLE_EVENTS, sampleEvent } from '../support/avro/sample-events.ts';

const registry = () => new MemorySchemaRegistry({ compatibility: 'BACKWARD' }, { logger: pino({ level: 'silent' }), metrics: new Registry() });

void describe('Avro schemas derived from the zod contracts', () => {
  void it('has one record per event type whose fields are the zod envelope and data fields', () => {
    for (const t of EVENT_TYPES) {
      const s = eventAvroSchema(t);
      assert.equal(`${s.namespace}.${s.name}`, subjectOf(t));
      assert.equal(eventTypeOfName(eventAvroType(t).name), t);
      assert.deepEqual(s.fields.map((f) => f.name), ['event_id', 'occurred_at', 'producer', 'schema_version', 'data']);
      const data = s.fields.find((f) => f.name === 'data')?.type as AvroRecord;
      assert.deepEqual(data.fields.map((f) => f.name), Object.keys(EventData[t].shape), `${t}: data fields`);
    }
  });

  void it('maps types as documented: integers by range, nullable as a union with default null, enums, shared Geo', () => {
    const created = eventAvroSchema('BookingCreated');
    assert.deepEqual(created.fields.find((f) => f.name === 'occurred_at')?.type, 'long');
    const data = created.fields.find((f) => f.name === 'data')?.type as AvroRecord;
    assert.deepEqual(data.fields.find((f) => f.name === 'pickup')?.type, { type: 'record', name: 'Geo', fields: [{ name: 'lat', type: 'double' }, { name: 'lon', type: 'double' }] });
    assert.equal(data.fields.find((f) => f.name === 'dropoff')?.type, 'Geo');
    assert.deepEqual(data.fields.find((f) => f.name === 'weather')?.type, { type: 'enum', name: 'BookingCreatedDataWeather', symbols: ['clear', 'rain', 'snow'] });
    const rated = eventAvroSchema('DriverRated').fields.find((f) => f.name === 'data')?.type as AvroRecord;
    assert.equal(rated.fields.find((f) => f.name === 'rating')?.type, 'int');
    const cancelled = eventAvroSchema('BookingCancelled').fields.find((f) => f.name === 'data')?.type as AvroRecord;
    assert.deepEqual(cancelled.fields.find((f) => f.name === 'driver_id'), { name: 'driver_id', type: ['null', 'string'], default: null });
  });

  void it('accepts exactly the events zod accepts, on valid and invalid samples', () => {
    for (const e of SAMPLE_EVENTS) {
      const { event_type: t, ...rest } = e;
      assert.equal(eventAvroType(t).isValid(rest), true, `${t} valid in Avro`);
      // a field of the wrong type is refused by both
      const broken = { ...rest, data: { ...rest.data, [Object.keys(rest.data)[0] ?? '']: 12 } };
      assert.equal(eventAvroType(t).isValid(broken), false, `${t} broken refused by Avro`);
      assert.equal(DomainEventSchema.safeParse({ ...broken, event_type: t }).success, false, `${t} broken refused by zod`);
    }
  });

  void it('refuses a zod construct it has no Avro meaning for', () => {
    assert.throws(() => avroTypeOf(z.array(z.string()), 'X', new AvroNames()), /no Avro mapping/);
  });
});

void describe('Avro bodies', () => {
  void it('round-trips every event type', () => {
    for (const e of SAMPLE_EVENTS) {
      const { type, body } = encodeEventBody(e);
      assert.equal(type, e.event_type);
      const back = decodeEventBody(eventAvroType(type), body);
      assert.ok(back.ok, back.ok ? '' : back.reason);
      assert.deepEqual(back.event, e);
      assert.equal(parseDomainEvent(eventJson(back.event)).ok, true);
    }
  });

  void it('refuses an invalid event with EVENT_INVALID before writing a byte', () => {
    const bad = { ...sampleEvent('BookingCompleted'), data: { ...sampleEvent('BookingCompleted').data, fare: -3 } };
    assert.throws(() => encodeEventBody(bad), withCode('EVENT_INVALID'));
    assert.throws(() => encodeEventBody({ event_type: 'NoSuchEvent' }), withCode('EVENT_INVALID'));
  });

  void it('reads data of an older writer schema with the current contract (a field the writer lacked has its default)', () => {
    // v0 of BookingCancelled had no driver_id; the current one has it nullable with default null
    const current = eventAvroSchema('BookingCancelled');
    const older = JSON.parse(JSON.stringify(current)) as { fields: { name: string; type: { fields?: { name: string }[] } }[] };
    const data = older.fields.find((f) => f.name === 'data');
    assert.ok(data?.type.fields);
    data.type.fields = data.type.fields.filter((f) => f.name !== 'driver_id');
    const writer = avro.Type.forSchema(older as unknown as avro.Schema);
    const { event_type: _t, ...e } = sampleEvent('BookingCancelled');
    const { driver_id: _d, ...oldData } = e.data;
    const back = decodeEventBody(writer, writer.toBuffer({ ...e, data: oldData }));
    assert.ok(back.ok, back.ok ? '' : back.reason);
    assert.deepEqual(back.event, sampleEvent('BookingCancelled'));
  });

  void it('says EVENT_UNDECODABLE for a body that does not decode and a writer schema that is not ours', () => {
    const r = decodeEventBody(eventAvroType('BookingCreated'), Buffer.from([0xff, 0xff, 0xff]));
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.code, 'EVENT_UNDECODABLE');
    const foreign = avro.Type.forSchema({ type: 'record', name: 'other.Thing', fields: [{ name: 'a', type: 'int' }] });
    const f = decodeEventBody(foreign, foreign.toBuffer({ a: 1 }));
    assert.equal(!f.ok && f.code, 'EVENT_UNDECODABLE');
    assert.match(!f.ok ? f.reason : '', /not a GoFuture event type/);
  });
});

void describe('Confluent wire format', () => {
  void it('is magic byte 0, the schema id as 4 bytes big-endian, then the body', () => {
    assert.deepEqual([...encodeWire(258, Uint8Array.from([7, 8, 9]))], [0, 0, 0, 1, 2, 7, 8, 9]);
    assert.deepEqual([...encodeWire(0x01020304, new Uint8Array(0))], [0, 1, 2, 3, 4]);
    const d = decodeWire(Buffer.from([0, 0, 0, 1, 2, 7]));
    assert.ok(d.ok);
    assert.equal(d.schemaId, 258);
    assert.deepEqual([...d.body], [7]);
    assert.match(!decodeWire(Buffer.from('{"a":1}')).ok ? 'refused' : '', /refused/);
    const short = decodeWire(Buffer.from([0, 1]));
    assert.equal(short.ok, false);
    assert.equal(decodeWire(null).ok, false);
    assert.throws(() => encodeWire(-1, new Uint8Array(0)), RangeError);
  });

  void it('round-trips every event type against the registry: the bytes carry the id its subject got', async () => {
    const reg = registry();
    const codec = new EventWireCodec(reg);
    for (const e of SAMPLE_EVENTS) {
      const bytes = await codec.encode(JSON.stringify(e));
      const latest = await reg.latest(subjectOf(e.event_type));
      assert.ok(latest);
      assert.equal(bytes.readUInt8(0), 0, 'magic byte');
      assert.equal(bytes.readUInt32BE(1), latest.id, `${e.event_type}: schema id`);
      assert.deepEqual(bytes.subarray(5), encodeEventBody(e).body, 'the Avro body follows the header');
      const back = await codec.decode(bytes);
      assert.ok(back.ok, back.ok ? '' : back.reason);
      assert.deepEqual(JSON.parse(back.value), e);
    }
    assert.equal((await reg.subjects()).length, EVENT_TYPES.length);
  });

  void it('decodes with a fresh codec (the writer schema fetched by id), and codes what it cannot decode', async () => {
    const reg = registry();
    const bytes = await new EventWireCodec(reg).encode(JSON.stringify(sampleEvent('PaymentInitiated')));
    const other = new EventWireCodec(reg);
    const ok = await other.decode(bytes);
    assert.ok(ok.ok);
    const unknown = await other.decode(encodeWire(424242, bytes.subarray(5)));
    assert.deepEqual(unknown.ok ? null : unknown.code, 'SCHEMA_UNKNOWN');
    const notWire = await other.decode(Buffer.from(JSON.stringify(sampleEvent('PaymentInitiated'))));
    assert.deepEqual(notWire.ok ? null : notWire.code, 'EVENT_UNDECODABLE');
    const truncated = await other.decode(bytes.subarray(0, 9));
    assert.deepEqual(truncated.ok ? null : truncated.code, 'EVENT_UNDECODABLE');
  });

  void it('refuses to produce an invalid event or text that is not JSON (EVENT_INVALID)', async () => {
    const codec = new EventWireCodec(registry());
    await assert.rejects(codec.encode('{"not":"an event"}'), withCode('EVENT_INVALID'));
    await assert.rejects(codec.encode('not json'), withCode('EVENT_INVALID'));
  });

  void it('refuses to produce when the registry holds a version the local contract cannot read (SCHEMA_INCOMPATIBLE)', async () => {
    const reg = registry();
    // the subject's latest version says saga_id is a long: the local contract (a string) cannot read its data
    const s = eventAvroSchema('SagaStarted');
    const conflicting = JSON.parse(JSON.stringify(s).replace('{"name":"saga_id","type":"string"}', '{"name":"saga_id","type":"long"}')) as AvroRecord;
    assert.notDeepEqual(conflicting, s);
    await reg.register(subjectOf('SagaStarted'), JSON.stringify(conflicting));
    const codec = new EventWireCodec(reg);
    await assert.rejects(codec.encode(JSON.stringify(sampleEvent('SagaStarted'))), withCode('SCHEMA_INCOMPATIBLE'));
    // other types are not affected
    const bytes = await codec.encode(JSON.stringify(sampleEvent('SagaCompleted')));
    assert.equal(bytes.readUInt8(0), 0);
  });
});
