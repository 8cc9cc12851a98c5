/**
 * Domain events in Confluent's wire format against a schema registry: the producer side validates
 * (zod), encodes (Avro, the type's derived schema) and prefixes magic byte 0 + the schema id it got
 * by registering the type's schema under its subject (once per type and process: `register` is
 * idempotent, and a schema the registry finds incompatible is refused there, SCHEMA_INCOMPATIBLE).
 * The consumer side reads the id, fetches the writer schema by id (cached) and decodes it onto the
 * current contract (schema/events/avro/event-avro.ts).
 *
 * A record that cannot be decoded is a result, not an exception: EVENT_UNDECODABLE (no wire format,
 * a body that does not decode, a writer schema that is not ours), SCHEMA_UNKNOWN (the registry does
 * not know the id) or EVENT_INVALID (decodes but breaks the contract); the caller dead-letters it.
 * A registry that cannot be reached throws (CONNECTOR_UNAVAILABLE): the caller retries, it does not
 * dead-letter a good record because of an outage.
 */
import avro from 'avsc';
import { errorMessage, isPlatformError, type ErrorCode } from '../../schema/errors.ts';
import type { EventType } from '../../schema/events/domain-events.ts';
import { decodeEventBody, encodeEventBody, eventJson } from '../../schema/events/avro/event-avro.ts';
import { eventAvroSchemaText, subjectOf } from '../../schema/events/avro/event-schemas.ts';
import { decodeWire, encodeWire } from '../../schema/events/avro/wire-format.ts';
import { PlatformError } from '../../schema/errors.ts';
import type { SchemaRegistry } from '../contracts/schema-registry.ts';

export type WireDecode =
  | { readonly ok: true; readonly value: string; readonly schemaId: number }
  | { readonly ok: false; readonly code: ErrorCode; readonly reason: string };

export class EventWireCodec {
  readonly #registry: SchemaRegistry;
  readonly #ids = new Map<EventType, Promise<number>>();
  readonly #writers = new Map<number, Promise<avro.Type | string>>();
  #registering: Promise<void> = Promise.resolve();

  constructor(registry: SchemaRegistry) {
    this.#registry = registry;
  }

  /** The schema id of an event type's current schema (registered on first use). */
  schemaIdOf(type: EventType): Promise<number> {
    let id = this.#ids.get(type);
    if (!id) {
      // one registration at a time: Apicurio 2.4 (H2 storage) answers concurrent creations of new
      // subjects with spurious 409s and keeps none of them
      const turn = this.#registering.then(() => this.#registry.register(subjectOf(type), eventAvroSchemaText(type)));
      this.#registering = turn.then(() => undefined, () => undefined);
      id = turn.then((r) => r.id);
      id.catch(() => this.#ids.delete(type)); // a refused or failed registration is tried again next time
      this.#ids.set(type, id);
    }
    return id;
  }

  /** JSON text of a domain event -> wire-format bytes. EVENT_INVALID for anything that is not a valid event. */
  async encode(json: string): Promise<Buffer> {
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch (e) {
      throw new PlatformError('EVENT_INVALID', `invalid event: not JSON: ${errorMessage(e)}`, { reason: `not JSON: ${errorMessage(e)}` });
    }
    const { type, body } = encodeEventBody(value);
    return encodeWire(await this.schemaIdOf(type), body);
  }

  /** Wire-format bytes -> the event's JSON text (contract key order). Throws only when the registry is unreachable. */
  async decode(value: Buffer | null): Promise<WireDecode> {
    const wire = decodeWire(value);
    if (!wire.ok) return { ok: false, code: 'EVENT_UNDECODABLE', reason: wire.reason };
    const writer = await this.#writer(wire.schemaId);
    if (typeof writer === 'string') return { ok: false, code: writer.startsWith('unknown') ? 'SCHEMA_UNKNOWN' : 'EVENT_UNDECODABLE', reason: writer };
    const r = decodeEventBody(writer, wire.body);
    return r.ok ? { ok: true, value: eventJson(r.event), schemaId: wire.schemaId } : { ok: false, code: r.code, reason: `schema id ${wire.schemaId}: ${r.reason}` };
  }

  /** The writer type of a schema id, or why there is none (cached either way, except outages). */
  #writer(id: number): Promise<avro.Type | string> {
    let w = this.#writers.get(id);
    if (!w) {
      w = this.#registry.schemaById(id).then(
        (text) => {
          try {
            return avro.Type.forSchema(JSON.parse(text) as avro.Schema);
          } catch (e) {
            return `schema id ${id} is not an Avro schema we can read: ${errorMessage(e)}`;
          }
        },
        (e: unknown) => {
          if (isPlatformError(e) && e.code === 'SCHEMA_UNKNOWN') return `unknown schema id ${id} (the registry does not know it)`;
          this.#writers.delete(id);
          throw e;
        },
      );
      this.#writers.set(id, w);
    }
    return w;
  }
}
