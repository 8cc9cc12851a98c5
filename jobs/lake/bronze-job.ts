/**
 * The bronze job: every record of every topic into its bronze Delta table, exactly once across
 * kill -9. Records of all partitions are buffered and appended every `flushMs` (or at `maxRows`)
 * as one commit per table, carrying a `txn` per source partition (appId `<group>:<topic>:<p>`,
 * version = the last offset written). The Delta log is the position of record: at start the job
 * reads those versions and moves the group's offsets to just after them, and it never buffers a
 * record at or below a known position, so a batch re-read after a crash is not written twice and
 * one whose commit never happened is read again. One bronze process per group.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ConsumerHandle, EventLog, LogRecord } from '../../connectors/contracts/event-log.ts';
import { counter } from '../../connectors/support/metrics.ts';
import { errorMessage } from '../../schema/errors.ts';
import type { TopicSpec } from '../../schema/events/topics.ts';
import { ALL_TOPICS } from '../../schema/events/topics.ts';
import { appendRows, type LakeTables, type RowValue, type TxnMark } from './delta/index.ts';
import { BRONZE_COLUMNS, BRONZE_PARTITION_BY, bronzeRow, bronzeTableFor, bronzeTopics, positionAppId } from './bronze-tables.ts';

export interface BronzeJobOptions {
  readonly log: EventLog;
  readonly lake: LakeTables;
  readonly logger: Logger;
  readonly metrics: Registry;
  readonly groupId?: string;
  /** Default: every domain topic, the dead letters and the CDC topics (`bronzeTopics()`). */
  readonly topics?: readonly string[];
  readonly cdcPrefix?: string;
  readonly flushMs?: number;
  readonly maxRows?: number;
  readonly maxBatchSize?: number;
  /** Injected clock (tests). */
  readonly now?: () => number;
}

export interface BronzeJob {
  readonly name: string;
  readonly stats: { processed: number; deadLettered: number; commits: number; skipped: number };
  /** Writes what is buffered now (tests, shutdown). */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

interface Pending {
  rows: Record<string, RowValue>[];
  /** partition -> last offset buffered */
  last: Map<number, number>;
}

export async function startBronzeJob(o: BronzeJobOptions): Promise<BronzeJob> {
  const name = 'bronze';
  const groupId = o.groupId ?? 'lake-bronze';
  const topics = [...(o.topics ?? bronzeTopics(o.cdcPrefix))];
  const flushMs = o.flushMs ?? 2000;
  const maxRows = o.maxRows ?? 20_000;
  const now = o.now ?? Date.now;
  const logger = o.logger.child({ job: name });
  const written = counter(o.metrics, 'gofuture_lake_bronze_records_total', 'Records the bronze job committed to the lake', ['topic']);
  const dup = counter(o.metrics, 'gofuture_lake_bronze_skipped_total', 'Redelivered records the bronze job skipped (already in the lake)', ['topic']);
  const stats = { processed: 0, deadLettered: 0, commits: 0, skipped: 0 };

  // topics the platform defines keep their spec; CDC topics get the CDC job's
  const specs: TopicSpec[] = topics.map((t) => ALL_TOPICS.find((s) => s.name === t) ?? { name: t, partitions: 6, keyField: 'primary key', retentionMs: 7 * 86_400_000, compression: 'none' });
  await o.log.ensureTopics(specs);

  /** topic -> partition -> last offset known written (in the lake) or buffered. */
  const known = new Map<string, Map<number, number>>();
  for (const topic of topics) {
    const positions = new Map<number, number>();
    const t = o.lake.table(bronzeTableFor(topic));
    if (await t.exists()) {
      const snap = await t.snapshot();
      for (const [appId, v] of snap.txnsWithPrefix(`${groupId}:${topic}:`)) positions.set(Number(appId.slice(appId.lastIndexOf(':') + 1)), v);
    }
    known.set(topic, positions);
    // the lake is the position of record: the group resumes right after what the lake holds
    const [end, committed] = await Promise.all([o.log.endOffsets(topic), o.log.committedOffsets(groupId, topic)]);
    const target: Record<number, string> = {};
    for (const p of Object.keys(end).map(Number)) {
      const next = String((positions.get(p) ?? -1) + 1);
      if ((committed[p] ?? '0') !== next) target[p] = next;
    }
    if (Object.keys(target).length > 0) {
      logger.info({ topic, offsets: target }, 'moving group offsets to the positions in the lake');
      await o.log.setOffsets(groupId, topic, target);
    }
  }

  const pending = new Map<string, Pending>();
  let buffered = 0;
  let flushing: Promise<void> | null = null;

  const flushOnce = async (): Promise<void> => {
    const work = [...pending.entries()].filter(([, p]) => p.rows.length > 0);
    for (const [topic, p] of work) {
      // take what is buffered now; records accepted while this commit runs wait for the next one
      const rows = p.rows;
      const last = p.last;
      p.rows = [];
      p.last = new Map();
      const txns: TxnMark[] = [...last].map(([part, offset]) => ({ appId: positionAppId(groupId, topic, part), version: offset }));
      try {
        const r = await appendRows(o.lake, bronzeTableFor(topic), rows, {
          columns: BRONZE_COLUMNS, partitionBy: BRONZE_PARTITION_BY, txns,
          info: { bronze: { groupId, topic, offsets: Object.fromEntries(last) } },
        });
        buffered -= rows.length;
        if (r.skipped) stats.skipped += rows.length;
        else {
          stats.commits++;
          written.inc({ topic }, rows.length);
        }
      } catch (e) {
        // put them back in front, in order; a newer offset of a partition stays the newer one
        p.rows = [...rows, ...p.rows];
        for (const [part, offset] of last) if (!p.last.has(part)) p.last.set(part, offset);
        logger.error({ topic, rows: rows.length, err: errorMessage(e) }, 'bronze commit failed; kept buffered, retrying');
      }
    }
  };

  const flush = (): Promise<void> => {
    flushing ??= flushOnce().finally(() => {
      flushing = null;
    });
    return flushing;
  };

  const accept = (records: readonly LogRecord[]): void => {
    const ingestedAt = now();
    for (const r of records) {
      const positions = known.get(r.topic);
      if (!positions) continue;
      const offset = Number(r.offset);
      if (offset <= (positions.get(r.partition) ?? -1)) {
        stats.skipped++;
        dup.inc({ topic: r.topic });
        continue;
      }
      let p = pending.get(r.topic);
      if (!p) pending.set(r.topic, (p = { rows: [], last: new Map() }));
      p.rows.push(bronzeRow(r, ingestedAt));
      p.last.set(r.partition, offset);
      positions.set(r.partition, offset);
      buffered++;
      stats.processed++;
    }
  };

  const handle: ConsumerHandle = await o.log.consume({
    groupId, topics, fromBeginning: true, maxBatchSize: o.maxBatchSize ?? 1000,
    handler: async (batch) => {
      accept(batch.records);
      // backpressure: a full buffer is written before more is read
      if (buffered >= maxRows) await flush();
      // the lake is not taking writes: stop reading (the EventLog redelivers; what is buffered is skipped then)
      if (buffered >= 2 * maxRows) throw new Error(`bronze buffer full (${buffered} rows): the lake is not taking commits`);
    },
  });
  // a running job holds its process until stop(): with the timer unref'd, a process whose consumer
  // went idle could exit with rows still buffered (seen as lost rows after a restart)
  const timer = setInterval(() => void flush(), flushMs);
  logger.info({ topics: topics.length, groupId, flushMs }, 'job started');

  let stopped: Promise<void> | null = null;
  return {
    name,
    stats,
    flush: async () => {
      await flush();
      if (buffered > 0) await flush();
    },
    stop: () => {
      stopped ??= (async () => {
        clearInterval(timer);
        await handle.stop();
        await flush();
        if (buffered > 0) await flush();
        logger.info({ ...stats, unwritten: buffered }, 'job stopped');
      })();
      return stopped;
    },
  };
}
