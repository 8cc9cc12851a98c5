/**
 * How the Kafka event log writes and reads record values (config `valueFormat`):
 * - `json`: the EventLog contract's value text as it is (UTF-8), every topic.
 * - `avro`: domain records of the domain topics (booking, driver, payment, pricing, saga) in
 *   Confluent's wire format against the schema registry (connectors/schema-registry/event-wire-codec.ts).
 *   The producer refuses what is not a valid event (EVENT_INVALID) or what the registry refuses
 *   (SCHEMA_INCOMPATIBLE). Control records (header `x-gofuture-control`, schema/events/control-records.ts)
 *   are not domain events and pass through untouched both ways, and so does every other topic
 *   (fraud-labels, dead-letter, CDC topics). Consumers get the JSON text of the decoded event, so
 *   jobs read the same `LogRecord.value` on either format.
 */
import type { IHeaders } from 'kafkajs';
import type { ErrorCode } from '../../schema/errors.ts';
import { isControlRecord } from '../../schema/events/control-records.ts';
import { DOMAIN_TOPICS } from '../../schema/events/topics.ts';
import type { ProducerRecord } from '../contracts/event-log.ts';
import type { EventWireCodec } from '../schema-registry/event-wire-codec.ts';

export type ValueDecode = { readonly ok: true; readonly value: string } | { readonly ok: false; readonly code: ErrorCode; readonly reason: string };

export interface KafkaValueCodec {
  readonly format: 'json' | 'avro';
  encode(topic: string, r: ProducerRecord): Promise<string | Buffer>;
  /** Never throws for a bad record (a result with its reason); throws when the registry is unreachable. */
  decode(topic: string, value: Buffer | null, headers: Readonly<Record<string, string>>): Promise<ValueDecode>;
}

export const jsonValueCodec: KafkaValueCodec = {
  format: 'json',
  encode: (_topic, r) => Promise.resolve(r.value),
  decode: (_topic, value) => Promise.resolve({ ok: true, value: value === null ? '' : value.toString() }),
};

/** `topics`: where domain records are Avro (default: the domain topics of seed 002). */
export function avroValueCodec(wire: EventWireCodec, topics: readonly string[] = DOMAIN_TOPICS.map((t) => t.name)): KafkaValueCodec {
  const AVRO_TOPICS: ReadonlySet<string> = new Set(topics);
  return {
    format: 'avro',
    encode: (topic, r) => (AVRO_TOPICS.has(topic) && !isControlRecord(r) ? wire.encode(r.value) : Promise.resolve(r.value)),
    decode: async (topic, value, headers) => {
      if (!AVRO_TOPICS.has(topic) || isControlRecord({ headers })) return jsonValueCodec.decode(topic, value, headers);
      const r = await wire.decode(value);
      return r.ok ? { ok: true, value: r.value } : r;
    },
  };
}

/** kafkajs headers as the contract's strings. */
export function headerStrings(h: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) {
    if (v === undefined) out[k] = '';
    else out[k] = Array.isArray(v) ? v.map((x) => x.toString()).join(',') : v.toString();
  }
  return out;
}

/** Headers of a record read back that could not be decoded (read() returns it with its raw bytes in base64). */
export const UNDECODABLE_HEADERS = { code: 'x-gofuture-undecodable-code', reason: 'x-gofuture-undecodable-reason', encoding: 'x-gofuture-value-encoding' } as const;
