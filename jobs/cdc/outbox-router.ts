/**
 * Debezium's outbox event router, done by us: an INSERT (op 'c', or 'r' from a snapshot) into an
 * outbox table (schema/sources/source-tables.ts) becomes the domain event itself on its domain topic:
 * value = the `payload` column (the full domain-event envelope, validated), key = the `key` column,
 * topic = the `topic` column. Updates and deletes of outbox rows route nothing.
 */
import type { ProducerRecord } from '../../connectors/contracts/event-log.ts';
import type { DebeziumEnvelope } from '../../schema/events/debezium.ts';
import { EVENT_TOPIC, parseDomainEvent } from '../../schema/events/domain-events.ts';
import { DOMAIN_TOPICS } from '../../schema/events/topics.ts';

export type OutboxRoute =
  | { readonly kind: 'none' }
  | { readonly kind: 'event'; readonly topic: string; readonly record: ProducerRecord; readonly eventId: string }
  | { readonly kind: 'invalid'; readonly reason: string; readonly value: string };

const DOMAIN_TOPIC_NAMES: ReadonlySet<string> = new Set(DOMAIN_TOPICS.map((t) => t.name));

export const OUTBOX_HEADERS = {
  eventId: 'x-event-id',
  eventType: 'x-event-type',
  outbox: 'x-outbox-table',
  position: 'x-cdc-position',
} as const;

export function isOutboxInsert(env: DebeziumEnvelope, outboxTable: string): boolean {
  return env.source.table === outboxTable && (env.op === 'c' || env.op === 'r');
}

/** Routes one change of an outbox table. `position` is recorded in a header (tracing). */
export function routeOutbox(env: DebeziumEnvelope, outboxTable: string, position: string): OutboxRoute {
  if (!isOutboxInsert(env, outboxTable)) return { kind: 'none' };
  const row = env.after ?? {};
  const raw = row.payload;
  const value = typeof raw === 'string' ? raw : raw !== null && typeof raw === 'object' ? JSON.stringify(raw) : '';
  const bad = (reason: string): OutboxRoute => ({ kind: 'invalid', reason: `outbox ${env.source.schema}.${env.source.table} event ${String(row.event_id)}: ${reason}`, value: value || JSON.stringify(row) });
  if (value === '') return bad('payload column missing or not JSON');
  const parsed = parseDomainEvent(value);
  if (!parsed.ok) return bad(parsed.reason);
  const event = parsed.event;
  const topic = row.topic;
  const key = row.key;
  if (typeof topic !== 'string' || !DOMAIN_TOPIC_NAMES.has(topic)) return bad(`topic column "${String(topic)}" is not a domain topic`);
  if (topic !== EVENT_TOPIC[event.event_type].name) return bad(`topic column ${topic} but ${event.event_type} belongs on ${EVENT_TOPIC[event.event_type].name}`);
  if (typeof key !== 'string' || key === '') return bad('key column missing');
  if (row.event_id !== undefined && row.event_id !== event.event_id) return bad(`event_id column ${String(row.event_id)} differs from the payload's ${event.event_id}`);
  return {
    kind: 'event',
    topic,
    eventId: event.event_id,
    record: {
      key,
      value: JSON.stringify(JSON.parse(value)),
      timestamp: event.occurred_at,
      headers: {
        [OUTBOX_HEADERS.eventId]: event.event_id,
        [OUTBOX_HEADERS.eventType]: event.event_type,
        [OUTBOX_HEADERS.outbox]: `${env.source.schema}.${env.source.table}`,
        [OUTBOX_HEADERS.position]: position,
      },
    },
  };
}
