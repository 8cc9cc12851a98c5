/** Conversions between kafkajs messages and the EventLog contract's records. */
import type { KafkaMessage, Message } from 'kafkajs';
import { DEAD_LETTER_HEADERS } from '../../schema/events/topics.ts';
import type { LogRecord, ProducerRecord } from '../contracts/event-log.ts';
import { headerStrings, UNDECODABLE_HEADERS, type KafkaValueCodec, type ValueDecode } from './kafka-value-codec.ts';

/** A message as a contract record; `value` is the decoded value text (default: the bytes as UTF-8). */
export function toLogRecord(topic: string, partition: number, m: KafkaMessage, value?: string): LogRecord {
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key === null ? null : m.key.toString(),
    value: value ?? (m.value === null ? '' : m.value.toString()),
    headers: headerStrings(m.headers),
    timestamp: Number(m.timestamp),
  };
}

export interface DecodedMessage {
  readonly record: LogRecord;
  /** Set when the value could not be decoded; `record.value` then holds the raw bytes in base64. */
  readonly failure: Extract<ValueDecode, { ok: false }> | null;
}

/** Decodes one message with the log's value codec (throws only when the registry is unreachable). */
export async function decodeMessage(codec: KafkaValueCodec, topic: string, partition: number, m: KafkaMessage): Promise<DecodedMessage> {
  const headers = headerStrings(m.headers);
  const r = await codec.decode(topic, m.value, headers);
  if (r.ok) return { record: toLogRecord(topic, partition, m, r.value), failure: null };
  const raw = toLogRecord(topic, partition, m, (m.value ?? Buffer.alloc(0)).toString('base64'));
  return {
    record: { ...raw, headers: { ...raw.headers, [UNDECODABLE_HEADERS.code]: r.code, [UNDECODABLE_HEADERS.reason]: r.reason.slice(0, 1000), [UNDECODABLE_HEADERS.encoding]: 'base64' } },
    failure: r,
  };
}

/** The dead letter of a record that could not be decoded: raw bytes in base64, the reason in x-dlq-* headers. */
export function undecodableDeadLetter(d: DecodedMessage, stage: string): ProducerRecord {
  const r = d.record;
  return {
    key: r.topic,
    value: r.value,
    headers: {
      ...r.headers,
      [DEAD_LETTER_HEADERS.sourceTopic]: r.topic,
      [DEAD_LETTER_HEADERS.sourcePartition]: String(r.partition),
      [DEAD_LETTER_HEADERS.sourceOffset]: r.offset,
      [DEAD_LETTER_HEADERS.reasonCode]: d.failure?.code ?? 'EVENT_UNDECODABLE',
      [DEAD_LETTER_HEADERS.reason]: (d.failure?.reason ?? '').slice(0, 1000),
      [DEAD_LETTER_HEADERS.stage]: stage,
    },
  };
}

export function toMessage(r: ProducerRecord, partition: number, now: number, value: string | Buffer = r.value): Message {
  return {
    key: r.key,
    value,
    partition,
    timestamp: String(r.timestamp ?? now),
    ...(r.headers ? { headers: { ...r.headers } } : {}),
  };
}

/** `offset + n` of decimal offset strings. */
export function addOffset(offset: string, n: number): string {
  return (BigInt(offset) + BigInt(n)).toString();
}
