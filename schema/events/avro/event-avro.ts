/**
 * Domain events <-> Avro binary bodies (no wire header, no registry: connectors/schema-registry
 * adds those). Encoding validates with the zod contract first, so an invalid event is refused with
 * EVENT_INVALID before any byte is written. Decoding reads with the WRITER's schema (found by schema
 * id) resolved onto the local READER schema (Avro schema resolution: fields added with defaults,
 * fields removed, widened numbers), then validates with zod again: what a consumer gets is always a
 * valid event of the current contract.
 */
import type avro from 'avsc';
import { PlatformError } from '../../errors.ts';
import { DomainEventSchema, type DomainEvent, type EventType } from '../domain-events.ts';
import { eventAvroType, eventTypeOfName } from './event-schemas.ts';

/** Validates and encodes one event as an Avro body of its type's schema. Throws EVENT_INVALID. */
export function encodeEventBody(value: unknown): { readonly type: EventType; readonly body: Buffer } {
  const r = DomainEventSchema.safeParse(value);
  if (!r.success) {
    const first = r.error.issues[0];
    const where = first ? first.path.join('.') || '(root)' : '(root)';
    throw new PlatformError('EVENT_INVALID', `invalid event at ${where}: ${first?.message ?? 'unknown'}`, { reason: `${where}: ${first?.message ?? 'unknown'}` });
  }
  const { event_type: type, ...rest } = r.data;
  return { type, body: eventAvroType(type).toBuffer(rest) };
}

export type DecodeResult =
  | { readonly ok: true; readonly event: DomainEvent }
  | { readonly ok: false; readonly code: 'EVENT_UNDECODABLE' | 'EVENT_INVALID'; readonly reason: string };

/** Resolvers writer -> local reader, by writer type (one per schema id in practice). */
const resolvers = new WeakMap<avro.Type, { readonly type: EventType; readonly reader: avro.Type; readonly resolver: avro.Resolver } | { readonly error: string }>();

function resolverFor(writer: avro.Type): { readonly type: EventType; readonly reader: avro.Type; readonly resolver: avro.Resolver } | { readonly error: string } {
  let r = resolvers.get(writer);
  if (!r) {
    const type = eventTypeOfName(writer.name);
    if (!type) r = { error: `writer schema ${writer.name ?? '(unnamed)'} is not a GoFuture event type` };
    else {
      const reader = eventAvroType(type);
      try {
        r = { type, reader, resolver: reader.createResolver(writer) };
      } catch (e) {
        r = { error: `writer schema of ${type} cannot be read with the current contract: ${(e as Error).message}` };
      }
    }
    resolvers.set(writer, r);
  }
  return r;
}

/** Decodes an Avro body written with `writer` into a validated event of the current contract. Never throws. */
export function decodeEventBody(writer: avro.Type, body: Buffer): DecodeResult {
  const r = resolverFor(writer);
  if ('error' in r) return { ok: false, code: 'EVENT_UNDECODABLE', reason: r.error };
  let fields: unknown;
  try {
    fields = r.reader.fromBuffer(body, r.resolver);
  } catch (e) {
    return { ok: false, code: 'EVENT_UNDECODABLE', reason: `Avro body of ${r.type} does not decode: ${(e as Error).message}` };
  }
  const parsed = DomainEventSchema.safeParse({ ...(fields as object), event_type: r.type });
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return { ok: false, code: 'EVENT_INVALID', reason: `decoded ${r.type} is invalid at ${first?.path.join('.') ?? '(root)'}: ${first?.message ?? 'unknown'}` };
  }
  return { ok: true, event: parsed.data as DomainEvent };
}

/** The JSON text of an event, keys in contract order (what consumers parse). */
export function eventJson(e: DomainEvent): string {
  return JSON.stringify({ event_id: e.event_id, event_type: e.event_type, occurred_at: e.occurred_at, producer: e.producer, schema_version: e.schema_version, data: e.data });
}
