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
 * Exactly-once publishing (no Kafka transactions). The source re-sends what it had not confirmed when
 * the job died (PostgreSQL: the transactions after the slot's confirmed LSN; an interrupted snapshot
 * from the start). Every change record and every routed domain event carries `x-cdc-source` (this
 * source: `postgres:<slot>`), `x-cdc-seq` (its place in the source's total order) and `x-cdc-change`
 * (its identity across a redelivery): change-sequence.ts. Before publishing, the job asks its
 * publish-ledger.ts which records are already in the log (per partition: seq <= the partition's
 * high-water mark, or id among our records the source has not confirmed) and skips them, counted in
 * `gofuture_cdc_skipped_republish_total{reason}`. The marks are loaded per topic on first use from the
 * last records of each partition and move only with successful publishes. The reasoning and its one
 * assumption (ONE job instance per source writes these topics) are in publish-ledger.ts.
 * Sources whose positions are not totally ordered (Debezium topics) are published at-least-once with
 * `x-cdc-source` only; domain events keep their event_id for consumers to dedupe. Dead letters are
 * at-least-once too.
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
import { CDC_HEADERS, ChangeSequencer, defaultSequencing, lsnNumber, sourceIdentity, type SequencedChange, type Sequencing } from './change-sequence.ts';
import { routeOutbox } from './outbox-router.ts';
import { PublishLedger, type LedgerItem, type PlacedItem } from './publish-ledger.ts';

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
  /** `x-cdc-source` of this job's records. Default `<source kind>:<slot | groupId | name>`. */
  readonly sourceId?: string;
  /** 'lsn': positions are PostgreSQL LSNs, publish exactly once; 'none': at-least-once. Default by source kind. */
  readonly sequencing?: Sequencing;
}

export interface CdcJobStats {
  batches: number;
  changes: number;
  routed: number;
  deadLettered: number;
  /** Records not published again because they were in the log already (a redelivery after a crash). */
  skippedRepublish: number;
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
  const sourceId = o.sourceId ?? sourceIdentity(o.source);
  const logger = o.logger.child({ job: name });
  const published = counter(o.metrics, 'gofuture_cdc_records_published_total', 'Records the CDC job published', ['kind']);
  const skipped = counter(o.metrics, 'gofuture_cdc_skipped_republish_total', 'Records a redelivered change batch would have published again, skipped (already in the log)', ['reason']);
  const dead = counter(o.metrics, 'gofuture_job_events_dead_lettered_total', 'Events a job sent to the dead-letter topic', ['job', 'code']);
  const stats: CdcJobStats = { batches: 0, changes: 0, routed: 0, deadLettered: 0, skippedRepublish: 0 };
  const ensured = new Set<string>();
  let running = true;

  await o.source.start();
  await o.log.ensureTopics(ALL_TOPICS);

  const keyColumnsOf = (schema: string, table: string): readonly string[] | undefined =>
    o.keyColumns?.[`${schema}.${table}`] ?? (hasPrimaryKeys(o.source) ? o.source.primaryKey(schema, table) : undefined);
  const keyOf = (env: DebeziumEnvelope): string => {
    const { schema, table } = env.source;
    const cols = keyColumnsOf(schema, table);
    const row = env.after ?? env.before;
    if (!cols || !row) return `${schema}.${table}`;
    return JSON.stringify(Object.fromEntries(cols.map((c) => [c, row[c] ?? null])));
  };

  const exactlyOnce = (o.sequencing ?? defaultSequencing(o.source)) === 'lsn';
  const sequencer = exactlyOnce ? new ChangeSequencer((schema, table) => (keyColumnsOf(schema, table)?.length ?? 0) > 0) : null;
  const ledger = exactlyOnce ? new PublishLedger({ log: o.log, sourceId, logger }) : null;
  // the stream handle (its confirmed position) is known once stream() returned; batches wait for it
  let streamHandle: ChangeStreamHandle | null = null;
  let setReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (setReady = resolve));
  /** The source's confirmed position when this process began: what it may re-send lies above it. */
  let startPosition: { readonly at: bigint | null } | null = null;

  const ensureChangeTopics = async (names: Iterable<string>): Promise<void> => {
    const missing: TopicSpec[] = [...names].filter((n) => !ensured.has(n)).map((n) => ({ name: n, partitions, keyField: 'primary key', retentionMs: 7 * DAY, compression: 'none' }));
    if (missing.length === 0) return;
    await o.log.ensureTopics(missing);
    for (const t of missing) ensured.add(t.name);
  };

  const letter = (value: string, sourceTopic: string, position: string, code: DeadLetter['code'], reason: string): DeadLetter => ({
    record: { topic: sourceTopic, partition: -1, offset: position, key: sourceTopic, value, headers: { [CDC_HEADERS.source]: sourceId, [CDC_HEADERS.position]: position }, timestamp: Date.now() },
    code, reason, stage: name,
  });

  const headersOf = (position: string, s: SequencedChange | undefined): Record<string, string> => ({
    [CDC_HEADERS.source]: sourceId,
    [CDC_HEADERS.position]: position,
    ...(s ? { [CDC_HEADERS.seq]: s.seq.toString(), [CDC_HEADERS.change]: s.id } : {}),
  });

  /** Publishes per topic (every topic's records in order); with a ledger, only what is not in the log yet. */
  const publishAll = async (items: readonly LedgerItem[], sequenced: boolean): Promise<number> => {
    const topics = new Set(items.map((i) => i.topic));
    let todo: readonly LedgerItem[] = items;
    let placed: readonly PlacedItem[] | null = null;
    let skippedNow = 0;
    if (ledger && sequenced) {
      await ledger.prepare(topics, startPosition?.at ?? null);
      const f = await ledger.filter(items);
      todo = placed = f.publish;
      skippedNow = f.skippedBySeq + f.skippedById;
      if (f.skippedBySeq > 0) skipped.inc({ reason: 'sequence' }, f.skippedBySeq);
      if (f.skippedById > 0) skipped.inc({ reason: 'identity' }, f.skippedById);
    }
    const byTopic = new Map<string, ProducerRecord[]>();
    for (const i of todo) {
      let list = byTopic.get(i.topic);
      if (!list) byTopic.set(i.topic, (list = []));
      list.push(i.record);
    }
    try {
      await Promise.all([...byTopic].map(([topic, records]) => o.log.publish(topic, records)));
    } catch (e) {
      if (placed) ledger?.failed(placed);
      throw e;
    }
    if (ledger && placed) ledger.published(placed);
    return skippedNow;
  };

  const handle = async (batch: ChangeBatch): Promise<void> => {
    await ready;
    const began = Date.now();
    startPosition ??= { at: lsnNumber(streamHandle?.confirmedPosition()) };
    const seqd = sequencer?.sequence(batch) ?? null;
    if (ledger && seqd?.phase === 'stream') {
      // outside a snapshot the source's confirmed position only moves with what it persisted
      const confirmed = lsnNumber(streamHandle?.confirmedPosition());
      if (confirmed !== null) ledger.prune(confirmed);
    }
    const items: LedgerItem[] = [];
    const letters: DeadLetter[] = batch.invalid.map((i) => letter(i.raw, `changeSource/${o.source.kind}`, batch.position, 'CHANGE_INVALID', i.reason));
    const changeTopics = new Set<string>();
    let routed = 0;
    batch.changes.forEach((env, i) => {
      const s = seqd?.changes[i];
      const headers = headersOf(batch.position, s);
      const topic = changeTopic(prefix, env.source.schema, env.source.table);
      changeTopics.add(topic);
      const seq = s?.seq ?? 0n;
      const id = s?.id ?? '';
      items.push({ topic, seq, id, record: { key: keyOf(env), value: JSON.stringify(env), timestamp: env.source.ts_ms, headers } });
      const r = routeOutbox(env, outboxTable, batch.position);
      if (r.kind === 'event') {
        items.push({ topic: r.topic, seq, id, record: { ...r.record, headers: { ...r.record.headers, ...headers } } });
        routed++;
      } else if (r.kind === 'invalid') {
        letters.push(letter(r.value, topic, batch.position, 'EVENT_INVALID', r.reason));
      }
    });
    await ensureChangeTopics(changeTopics);
    // all durable before the source may confirm this position
    const skippedNow = await publishAll(items, seqd !== null);
    seqd?.delivered();
    await sendToDeadLetter(o.log, letters);
    for (const l of letters) {
      dead.inc({ job: name, code: l.code });
      logger.warn({ code: l.code, reason: l.reason, position: batch.position }, 'dead-lettered');
    }
    if (skippedNow > 0) logger.info({ skipped: skippedNow, of: items.length, position: batch.position }, 'redelivered changes already published: skipped');
    logger.debug({ position: batch.position, changes: batch.changes.length, records: items.length, skipped: skippedNow, ms: Date.now() - began }, 'change batch published');
    published.inc({ kind: 'change' }, batch.changes.length);
    if (routed > 0) published.inc({ kind: 'outbox' }, routed);
    stats.batches++;
    stats.changes += batch.changes.length;
    stats.routed += routed;
    stats.deadLettered += letters.length;
    stats.skippedRepublish += skippedNow;
  };

  // batches one at a time (the ledger's marks assume it; the PostgreSQL source never overlaps them)
  let chain: Promise<void> = Promise.resolve();
  const serial = (batch: ChangeBatch): Promise<void> => {
    const next = chain.then(() => handle(batch));
    chain = next.catch(() => undefined);
    return next;
  };

  let stream: ChangeStreamHandle;
  try {
    stream = await o.source.stream(async (batch) => {
      try {
        await (ledger ? serial(batch) : handle(batch));
      } catch (e) {
        logger.warn({ err: errorMessage(e), position: batch.position }, 'publishing a change batch failed (the source retries it)');
        throw e;
      }
    });
  } catch (e) {
    running = false;
    throw e;
  }
  streamHandle = stream;
  setReady();
  logger.info({ source: o.source.kind, sourceId, prefix, exactlyOnce }, 'cdc job started');
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
