/**
 * The CDC job: moves a ChangeSource's batches into the EventLog.
 * - Every change goes to its Debezium-named topic `<prefix>.<schema>.<table>` (created on first use),
 *   keyed by the row's primary key as Debezium keys it (`{"id":1}` JSON; truncates by `schema.table`).
 * - Every outbox insert (op c/r on a table named `outboxTable`) is also routed to its domain topic
 *   (outbox-router.ts): seed 002's transactional outbox, delivered.
 * - A change the source could not convert, and an outbox payload that is not a valid domain event,
 *   go to the dead-letter topic (CHANGE_INVALID / EVENT_INVALID) with the reason in headers.
 * The handler resolves only after every publish resolved (durable), so the source confirms a position
 * (PostgreSQL: the slot's LSN) only once its events are in the log.
 *
 * Delivery is at-least-once: a crash between publish and confirm re-sends that batch. Domain events
 * keep their event_id, so consumers dedupe by event_id (jobs/support/event-consumer.ts consumers are
 * idempotent by event id); change records carry source.lsn/txId for the same purpose.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ChangeBatch, ChangeSource, ChangeStreamHandle } from '../../connectors/contracts/change-source.ts';
import type { EventLog, ProducerRecord } from '../../connectors/contracts/event-log.ts';
import { counter } from '../../connectors/support/metrics.ts';
import { changeTopic, type DebeziumEnvelope } from '../../schema/events/debezium.ts';
import { errorMessage } from '../../schema/errors.ts';
import { ALL_TOPICS, type TopicSpec } from '../../schema/events/topics.ts';
import { sendToDeadLetter, type DeadLetter } from '../support/dead-letter.ts';
import { routeOutbox } from './outbox-router.ts';

/** A source that knows its tables' primary keys (the PostgreSQL source does). */
export interface PrimaryKeyLookup {
  primaryKey(schema: string, table: string): readonly string[] | undefined;
}

export interface CdcJobOptions {
  readonly source: ChangeSource;
  readonly log: EventLog;
  readonly logger: Logger;
  readonly metrics: Registry;
  /** Debezium topic prefix (the "server name"). Default 'cdc'. */
  readonly topicPrefix?: string;
  /** Partitions of each change topic created by the job. Default 6. */
  readonly changeTopicPartitions?: number;
  /** Name of the outbox tables (any schema). Default 'outbox'. */
  readonly outboxTable?: string;
  /** Primary keys by `schema.table`, overriding what the source knows. */
  readonly keyColumns?: Readonly<Record<string, readonly string[]>>;
  readonly name?: string;
}

export interface CdcJobStats {
  batches: number;
  changes: number;
  routed: number;
  deadLettered: number;
}

export interface CdcJob {
  readonly name: string;
  readonly stats: CdcJobStats;
  state(): 'running' | 'stopped';
  confirmedPosition(): string | null;
  stop(): Promise<void>;
}

const DAY = 86_400_000;

function hasPrimaryKeys(s: ChangeSource): s is ChangeSource & PrimaryKeyLookup {
  return typeof (s as Partial<PrimaryKeyLookup>).primaryKey === 'function';
}

export async function startCdcJob(o: CdcJobOptions): Promise<CdcJob> {
  const name = o.name ?? 'cdc';
  const prefix = o.topicPrefix ?? 'cdc';
  const outboxTable = o.outboxTable ?? 'outbox';
  const partitions = o.changeTopicPartitions ?? 6;
  const logger = o.logger.child({ job: name });
  const published = counter(o.metrics, 'gofuture_cdc_records_published_total', 'Records the CDC job published', ['kind']);
  const dead = counter(o.metrics, 'gofuture_job_events_dead_lettered_total', 'Events a job sent to the dead-letter topic', ['job', 'code']);
  const stats: CdcJobStats = { batches: 0, changes: 0, routed: 0, deadLettered: 0 };
  const ensured = new Set<string>();
  let running = true;

  await o.source.start();
  await o.log.ensureTopics(ALL_TOPICS);

  const keyOf = (env: DebeziumEnvelope): string => {
    const { schema, table } = env.source;
    const cols = o.keyColumns?.[`${schema}.${table}`] ?? (hasPrimaryKeys(o.source) ? o.source.primaryKey(schema, table) : undefined);
    const row = env.after ?? env.before;
    if (!cols || !row) return `${schema}.${table}`;
    return JSON.stringify(Object.fromEntries(cols.map((c) => [c, row[c] ?? null])));
  };

  const ensureChangeTopics = async (names: Iterable<string>): Promise<void> => {
    const missing: TopicSpec[] = [...names].filter((n) => !ensured.has(n)).map((n) => ({ name: n, partitions, keyField: 'primary key', retentionMs: 7 * DAY, compression: 'none' }));
    if (missing.length === 0) return;
    await o.log.ensureTopics(missing);
    for (const t of missing) ensured.add(t.name);
  };

  const letter = (value: string, sourceTopic: string, position: string, code: DeadLetter['code'], reason: string): DeadLetter => ({
    record: { topic: sourceTopic, partition: -1, offset: position, key: sourceTopic, value, headers: {}, timestamp: Date.now() },
    code, reason, stage: name,
  });

  const handle = async (batch: ChangeBatch): Promise<void> => {
    const byTopic = new Map<string, ProducerRecord[]>();
    const add = (topic: string, r: ProducerRecord): void => {
      let list = byTopic.get(topic);
      if (!list) byTopic.set(topic, (list = []));
      list.push(r);
    };
    const letters: DeadLetter[] = batch.invalid.map((i) => letter(i.raw, `changeSource/${o.source.kind}`, batch.position, 'CHANGE_INVALID', i.reason));
    const changeTopics = new Set<string>();
    let routed = 0;
    for (const env of batch.changes) {
      const topic = changeTopic(prefix, env.source.schema, env.source.table);
      changeTopics.add(topic);
      add(topic, { key: keyOf(env), value: JSON.stringify(env), timestamp: env.source.ts_ms });
      const r = routeOutbox(env, outboxTable, batch.position);
      if (r.kind === 'event') {
        add(r.topic, r.record);
        routed++;
      } else if (r.kind === 'invalid') {
        letters.push(letter(r.value, topic, batch.position, 'EVENT_INVALID', r.reason));
      }
    }
    await ensureChangeTopics(changeTopics);
    // every topic's records in order; all durable before the source may confirm this position
    await Promise.all([...byTopic].map(([topic, records]) => o.log.publish(topic, records)));
    await sendToDeadLetter(o.log, letters);
    for (const l of letters) {
      dead.inc({ job: name, code: l.code });
      logger.warn({ code: l.code, reason: l.reason, position: batch.position }, 'dead-lettered');
    }
    published.inc({ kind: 'change' }, batch.changes.length);
    if (routed > 0) published.inc({ kind: 'outbox' }, routed);
    stats.batches++;
    stats.changes += batch.changes.length;
    stats.routed += routed;
    stats.deadLettered += letters.length;
  };

  let stream: ChangeStreamHandle;
  try {
    stream = await o.source.stream(async (batch) => {
      try {
        await handle(batch);
      } catch (e) {
        logger.warn({ err: errorMessage(e), position: batch.position }, 'publishing a change batch failed (the source retries it)');
        throw e;
      }
    });
  } catch (e) {
    running = false;
    throw e;
  }
  logger.info({ source: o.source.kind, prefix }, 'cdc job started');
  return {
    name,
    stats,
    state: () => (running ? 'running' : 'stopped'),
    confirmedPosition: () => stream.confirmedPosition(),
    stop: async () => {
      if (!running) return;
      running = false;
      await stream.stop();
      logger.info(stats, 'cdc job stopped');
    },
  };
}
