/** Conversions between kafkajs messages and the EventLog contract's records. */
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import type { LogRecord, ProducerRecord } from '../contracts/event-log.ts';

function headerText(v: IHeaders[string]): string {
  if (v === undefined) return '';
  if (Array.isArray(v)) return v.map((x) => x.toString()).join(',');
  return v.toString();
}

export function toLogRecord(topic: string, partition: number, m: KafkaMessage): LogRecord {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.headers ?? {})) headers[k] = headerText(v);
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key === null ? null : m.key.toString(),
    value: m.value === null ? '' : m.value.toString(),
    headers,
    timestamp: Number(m.timestamp),
  };
}

export function toMessage(r: ProducerRecord, partition: number, now: number): Message {
  return {
    key: r.key,
    value: r.value,
    partition,
    timestamp: String(r.timestamp ?? now),
    ...(r.headers ? { headers: { ...r.headers } } : {}),
  };
}

/** `offset + n` of decimal offset strings. */
export function addOffset(offset: string, n: number): string {
  return (BigInt(offset) + BigInt(n)).toString();
}
