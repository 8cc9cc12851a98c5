/**
 * The Avro schema of every domain event type, derived from the zod contracts (zod-to-avro.ts): one
 * record per event type, `gofuture.events.<EventType>`, holding the envelope fields and a `data`
 * record. `event_type` is not a field: the record's name is the type.
 *
 * Subjects follow Confluent's RecordNameStrategy (subject = the record's full name), because one
 * topic carries several event types (booking-events: BookingCreated ... BookingCancelled) and each
 * type evolves on its own; compatibility (BACKWARD) is checked per event type.
 */
import avro from 'avsc';
import { DomainEventSchema, EVENT_TYPES, type EventType } from '../domain-events.ts';
import { avroTypeOf, AvroNames, type AvroField, type AvroRecord } from './zod-to-avro.ts';

export const AVRO_NAMESPACE = 'gofuture.events';

/** The subject an event type's schema is registered under (RecordNameStrategy). */
export const subjectOf = (type: EventType): string => `${AVRO_NAMESPACE}.${type}`;

/** The event type of a record full name, or null when it is none of ours. */
export function eventTypeOfName(fullName: string | undefined): EventType | null {
  if (!fullName?.startsWith(`${AVRO_NAMESPACE}.`)) return null;
  const t = fullName.slice(AVRO_NAMESPACE.length + 1);
  return (EVENT_TYPES as readonly string[]).includes(t) ? (t as EventType) : null;
}

type Variant = (typeof DomainEventSchema.options)[number];

function variantOf(type: EventType): Variant {
  const v = DomainEventSchema.options.find((o) => o.shape.event_type.value === type);
  if (!v) throw new Error(`no zod contract for event type ${type}`);
  return v;
}

function deriveSchema(type: EventType): AvroRecord {
  const names = new AvroNames();
  names.define(`event:${type}`, type);
  const fields: AvroField[] = [];
  for (const [name, t] of Object.entries(variantOf(type).shape)) {
    if (name === 'event_type') continue;
    const avroType = avroTypeOf(t, name === 'data' ? `${type}Data` : `${type}${name}`, names);
    fields.push(Array.isArray(avroType) && avroType[0] === 'null' ? { name, type: avroType, default: null } : { name, type: avroType });
  }
  return { type: 'record', name: type, namespace: AVRO_NAMESPACE, doc: `GoFuture domain event ${type} (derived from schema/events/domain-events.ts)`, fields };
}

const SCHEMAS = new Map<EventType, AvroRecord>();
const TYPES = new Map<EventType, avro.Type>();

/** The Avro schema (as JSON) of one event type. */
export function eventAvroSchema(type: EventType): AvroRecord {
  let s = SCHEMAS.get(type);
  if (!s) {
    s = deriveSchema(type);
    SCHEMAS.set(type, s);
  }
  return s;
}

/** The schema text registered for an event type (JSON of eventAvroSchema). */
export const eventAvroSchemaText = (type: EventType): string => JSON.stringify(eventAvroSchema(type));

/** The avsc type of one event type (the reader schema of every consumer). */
export function eventAvroType(type: EventType): avro.Type {
  let t = TYPES.get(type);
  if (!t) {
    t = avro.Type.forSchema(eventAvroSchema(type) as unknown as avro.Schema);
    TYPES.set(type, t);
  }
  return t;
}
