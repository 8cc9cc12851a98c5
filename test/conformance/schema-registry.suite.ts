/**
 * SchemaRegistry conformance: run unchanged against every implementation (the in-process one in
 * npm test, Apicurio Registry's Confluent-compatible API in the services suite). `make()` returns a
 * started registry; subjects are unique per run, so a shared server is fine. The GoFuture event
 * schemas themselves are registered too (their BACKWARD evolution is what the platform relies on).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import avro from 'avsc';
import type { SchemaRegistry } from '../../connectors/contracts/schema-registry.ts';
import { EVENT_TYPES } from '../../schema/events/domain-events.ts';
import { eventAvroSchema, eventAvroSchemaText, subjectOf } from '../../schema/events/avro/event-schemas.ts';
import { uniqueName, withCode } from './helpers.ts';

const record = (name: string, fields: readonly { name: string; type: unknown; default?: unknown }[]): string =>
  JSON.stringify({ type: 'record', name, namespace: 'gofuture.conformance', fields });

const V1 = (n: string) => record(n, [{ name: 'id', type: 'string' }, { name: 'amount', type: 'double' }]);
/** Adds a field with a default: BACKWARD compatible (new readers fill the default into old data). */
const V2 = (n: string) => record(n, [{ name: 'id', type: 'string' }, { name: 'amount', type: 'double' }, { name: 'currency', type: 'string', default: 'EUR' }]);
/** Adds a field WITHOUT a default: old data has no value for it, not BACKWARD compatible. */
const BREAKING_NEW_FIELD = (n: string) => record(n, [{ name: 'id', type: 'string' }, { name: 'amount', type: 'double' }, { name: 'region_id', type: 'string' }]);
/** Changes a field's type string -> int: not compatible either way. */
const BREAKING_TYPE = (n: string) => record(n, [{ name: 'id', type: 'int' }, { name: 'amount', type: 'double' }]);
/** Removes a field: BACKWARD compatible (the reader ignores it), not FORWARD. */
const V3_DROPPED = (n: string) => record(n, [{ name: 'id', type: 'string' }, { name: 'currency', type: 'string', default: 'EUR' }]);

const sameType = (a: string, b: string): boolean => avro.Type.forSchema(JSON.parse(a) as avro.Schema).equals(avro.Type.forSchema(JSON.parse(b) as avro.Schema));

export function schemaRegistryConformance(name: string, make: () => Promise<SchemaRegistry>): void {
  void describe(`SchemaRegistry conformance: ${name}`, () => {
    let reg: SchemaRegistry;
    before(async () => {
      reg = await make();
    });
    after(async () => {
      await reg.close();
    });

    void it('registers a first version, and the same schema again is the same id and version', async () => {
      const s = uniqueName('orders');
      const a = await reg.register(s, V1('Order'));
      assert.ok(Number.isInteger(a.id) && a.id > 0, `id ${a.id}`);
      assert.equal(a.version, 1);
      assert.equal(a.subject, s);
      const again = await reg.register(s, V1('Order'));
      assert.equal(again.id, a.id);
      assert.equal(again.version, 1);
      assert.deepEqual(await reg.versions(s), [1]);
      assert.ok((await reg.subjects()).includes(s));
    });

    void it('returns the schema of an id, and SCHEMA_UNKNOWN for an id it never gave', async () => {
      const s = uniqueName('byid');
      const a = await reg.register(s, V1('ById'));
      assert.ok(sameType(await reg.schemaById(a.id), V1('ById')));
      await assert.rejects(reg.schemaById(2_000_000_000), withCode('SCHEMA_UNKNOWN'));
    });

    void it('BACKWARD: accepts a field added with a default, refuses a field without one and a type change', async () => {
      const s = uniqueName('evolve');
      await reg.register(s, V1('Evolve'));
      await reg.setCompatibility(s, 'BACKWARD');
      assert.equal(await reg.compatibility(s), 'BACKWARD');

      assert.equal((await reg.testCompatibility(s, BREAKING_NEW_FIELD('Evolve'))).compatible, false);
      await assert.rejects(reg.register(s, BREAKING_NEW_FIELD('Evolve')), withCode('SCHEMA_INCOMPATIBLE'));
      await assert.rejects(reg.register(s, BREAKING_TYPE('Evolve')), withCode('SCHEMA_INCOMPATIBLE'));
      assert.deepEqual(await reg.versions(s), [1], 'a refused schema adds no version');

      assert.equal((await reg.testCompatibility(s, V2('Evolve'))).compatible, true);
      const v2 = await reg.register(s, V2('Evolve'));
      assert.equal(v2.version, 2);
      const latest = await reg.latest(s);
      assert.equal(latest?.version, 2);
      assert.equal(latest?.id, v2.id);
      assert.ok(latest && sameType(latest.schema, V2('Evolve')));

      // dropping a field is fine for BACKWARD (new readers ignore it)
      assert.equal((await reg.register(s, V3_DROPPED('Evolve'))).version, 3);
      assert.deepEqual(await reg.versions(s), [1, 2, 3]);
    });

    // NONE is not part of the suite: on Apicurio a subject's NONE removes its rule and the global one
    // (BACKWARD) applies, where Confluent's registry and the in-process one check nothing.
    void it('FORWARD refuses what BACKWARD accepts (a dropped field old readers need)', async () => {
      const s = uniqueName('forward');
      await reg.register(s, V2('Fwd'));
      await reg.setCompatibility(s, 'FORWARD');
      assert.equal(await reg.compatibility(s), 'FORWARD');
      await assert.rejects(reg.register(s, V3_DROPPED('Fwd')), withCode('SCHEMA_INCOMPATIBLE'));
      assert.deepEqual(await reg.versions(s), [1]);
    });

    void it('an unknown subject has no latest and no versions', async () => {
      const s = uniqueName('nothing');
      assert.equal(await reg.latest(s), null);
      assert.deepEqual(await reg.versions(s), []);
      assert.equal((await reg.testCompatibility(s, V1('Nothing'))).compatible, true);
    });

    void it('refuses text that is not an Avro schema with SCHEMA_INVALID', async () => {
      await assert.rejects(reg.register(uniqueName('bad'), '{"type":"record","name":"X","fields":[{"name":"a","type":"nope"}]}'), withCode('SCHEMA_INVALID'));
      await assert.rejects(reg.register(uniqueName('bad'), 'not json at all {'), withCode('SCHEMA_INVALID'));
    });

    void it('registers every GoFuture event schema, and refuses a breaking change to one (BACKWARD)', async () => {
      const prefix = uniqueName('events');
      const ids = new Set<number>();
      for (const t of EVENT_TYPES) ids.add((await reg.register(`${prefix}-${subjectOf(t)}`, eventAvroSchemaText(t))).id);
      assert.equal(ids.size, EVENT_TYPES.length, 'one schema (one id) per event type');
      const s = `${prefix}-${subjectOf('PaymentInitiated')}`;
      const v1 = await reg.register(s, eventAvroSchemaText('PaymentInitiated'));
      assert.equal(v1.version, 1);
      await reg.setCompatibility(s, 'BACKWARD');
      const schema = eventAvroSchema('PaymentInitiated');
      const data = schema.fields.find((f) => f.name === 'data');
      assert.ok(data && typeof data.type === 'object' && !Array.isArray(data.type) && 'fields' in data.type);
      const withField = (field: object): string => JSON.stringify({ ...schema, fields: schema.fields.map((f) => (f.name === 'data' && typeof f.type === 'object' && 'fields' in f.type ? { ...f, type: { ...f.type, fields: [...f.type.fields, field] } } : f)) });
      await assert.rejects(reg.register(s, withField({ name: 'card_bin', type: 'string' })), withCode('SCHEMA_INCOMPATIBLE'));
      const v2 = await reg.register(s, withField({ name: 'card_bin', type: ['null', 'string'], default: null }));
      assert.equal(v2.version, 2);
      assert.notEqual(v2.id, v1.id);
    });
  });
}
