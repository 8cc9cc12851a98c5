/**
 * Stream aggregation job: per-region and platform TUMBLING windows in event time (sizes from config,
 * default 5 / 15 / 60 min) over booking-events and pricing-events, written to the Warehouse
 * (REGION_WINDOWS, PLATFORM_WINDOWS) and published live on PubSub (schema/live-channels.ts).
 *
 * Policy (see window-state.ts for the exact rules):
 * - Watermark: per partition, max event time seen minus `allowedLatenessMs`; the job watermark is the
 *   minimum over the partitions that hold data (the log's end offsets say which), never moving back.
 *   A partition that holds data but never yields a valid event stops counting once the group has
 *   consumed it all, or after `unseenPartitionTimeoutMs`. A partition that falls silent holds the
 *   watermark until it moves again or its producer writes a watermark mark into it
 *   (schema/events/control-records.ts; the simulator does for idle partitions every few seconds).
 * - A window is FINAL when the job watermark passes its end: its row is written with is_final = true
 *   and it is published once, immediately. Running windows are written after every batch and
 *   published at most once per `publishIntervalMs` per key.
 * - LATE events (a window of theirs already closed) are counted nowhere and go to the dead-letter
 *   topic with code EVENT_LATE and the reason; counted in gofuture_aggregation_late_events_total.
 *   Never dropped silently. The job publishes them itself, before its checkpoint, so a crash can
 *   never commit past a late event that did not reach the dead-letter topic.
 * - Restart, exactly once: after every batch the job upserts the changed window rows, then ONE
 *   checkpoint row holding the per-partition next offsets, watermarks and open windows' counters
 *   (checkpoint-store.ts, keyed by consumer group); only then does the handler resolve and the log
 *   commit. On start it loads the checkpoint and skips re-delivered records below its offsets. No
 *   checkpoint but committed offsets (e.g. a reset warehouse): the group is moved back to the
 *   beginning to rebuild. Row versions are 2 x events counted (+1 when final): increasing per key
 *   and equal for equal content, so a replay rewrites the same rows. Final windows may be published
 *   again on PubSub after a crash (PubSub is at-most-once per subscriber, dashboards upsert by key).
 * - One instance per consumer group: windows span partitions, so the state is not split.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { EventLog } from '../../connectors/contracts/event-log.ts';
import type { PubSub } from '../../connectors/contracts/pub-sub.ts';
import type { Warehouse } from '../../connectors/contracts/warehouse.ts';
import { counter, gauge, sampledGauge } from '../../connectors/support/metrics.ts';
import { METRICS } from '../../schema/operations/metric-names.ts';
import { validateConfig } from '../../schema/config-validation.ts';
import { errorMessage, PlatformError } from '../../schema/errors.ts';
import { TOPICS } from '../../schema/events/topics.ts';
import { PLATFORM_WINDOWS, REGION_WINDOWS } from '../../schema/tables/warehouse-tables.ts';
import { sendToDeadLetter, type DeadLetter } from '../support/dead-letter.ts';
import { startEventJob, type ParsedRecord } from '../support/event-consumer.ts';
import { AGGREGATION_CHECKPOINTS, loadCheckpoint, saveCheckpoint } from './checkpoint-store.ts';
import { AggregationConfigSchema, type AggregationConfig } from './config.ts';
import { LivePublisher } from './live-publisher.ts';
import { createPartitionTracker, SOURCE_TOPICS } from './partition-tracker.ts';
import { keyOf, toRow } from './window-output.ts';
import { WindowState, type WindowView } from './window-state.ts';

export interface AggregationJobDeps {
  readonly log: EventLog;
  readonly warehouse: Warehouse;
  readonly pubsub: PubSub;
  readonly logger: Logger;
  readonly metrics: Registry;
  /** Raw config, validated here with AggregationConfigSchema (defaults filled). */
  readonly config?: unknown;
}

export interface AggregationStats {
  /** Records consumed (valid and invalid). */
  readonly processed: number;
  /** Invalid records (dead-lettered by the consumer) plus late events. */
  readonly deadLettered: number;
  readonly late: number;
  readonly applied: number;
  readonly duplicates: number;
  readonly openWindows: number;
}

export interface AggregationJob {
  readonly name: string;
  readonly config: Readonly<AggregationConfig>;
  readonly stats: AggregationStats;
  /** The job watermark (epoch ms), null until every partition with data has delivered an event. */
  watermark(): number | null;
  /** Writes whatever is pending and publishes coalesced live values now. */
  flush(): Promise<void>;
  /** Finishes the batch in flight (written, checkpointed, committed) and leaves the group. */
  stop(): Promise<void>;
}

export const AGGREGATION_JOB_NAME = 'aggregation';

export async function startAggregationJob(deps: AggregationJobDeps): Promise<AggregationJob> {
  const config = validateConfig(AggregationConfigSchema, deps.config ?? {}, 'aggregation');
  const { log, warehouse, metrics } = deps;
  const logger = deps.logger.child({ job: AGGREGATION_JOB_NAME });
  const lateTotal = counter(metrics, 'gofuture_aggregation_late_events_total', 'Events that arrived after their window was final (dead-lettered)', []);
  const deadTotal = counter(metrics, 'gofuture_job_events_dead_lettered_total', 'Events a job sent to the dead-letter topic', ['job', 'code']);
  const finalizedTotal = counter(metrics, 'gofuture_aggregation_windows_finalized_total', 'Windows that became final', ['scope']);
  const watermarkGauge = gauge(metrics, 'gofuture_aggregation_watermark_seconds', 'Event-time watermark of the aggregation job, epoch seconds', []);
  const openGauge = gauge(metrics, 'gofuture_aggregation_open_windows', 'Region windows not final yet', []);

  await log.ensureTopics([TOPICS.booking, TOPICS.pricing, TOPICS.deadLetter]);
  await warehouse.ensureTables([REGION_WINDOWS, PLATFORM_WINDOWS, AGGREGATION_CHECKPOINTS]);
  const checkpoint = await loadCheckpoint(warehouse, config.groupId);
  const state = new WindowState(config, checkpoint?.snapshot);
  let seq = checkpoint?.seq ?? 0;
  if (!checkpoint) await rewindGroup(log, config.groupId, logger);
  logger.info({ checkpoint: checkpoint ? { seq, openWindows: state.openWindowCount(), watermark: state.watermark() } : null }, 'aggregation state loaded');

  const live = new LivePublisher({ pubsub: deps.pubsub, intervalMs: config.publishIntervalMs, logger, metrics });
  const counts = { late: 0, applied: 0, duplicates: 0 };
  // Outputs not yet durable (kept across a failed write and retried with the next batch).
  const pendingRows = new Map<string, WindowView>();
  const pendingRunning = new Map<string, WindowView>();
  let pendingFinal: WindowView[] = [];
  let pendingLetters: DeadLetter[] = [];
  let checkpointDirty = false;

  const persist = async (): Promise<void> => {
    if (pendingLetters.length > 0) {
      await sendToDeadLetter(log, pendingLetters);
      for (const l of pendingLetters) {
        deadTotal.inc({ job: AGGREGATION_JOB_NAME, code: l.code });
        logger.warn({ topic: l.record.topic, partition: l.record.partition, offset: l.record.offset, code: l.code, reason: l.reason }, 'dead-lettered');
      }
      pendingLetters = [];
    }
    if (pendingRows.size > 0) {
      const views = [...pendingRows.values()];
      await insertAll(warehouse, REGION_WINDOWS.name, views.filter((v) => v.regionId !== null).map(toRow));
      await insertAll(warehouse, PLATFORM_WINDOWS.name, views.filter((v) => v.regionId === null).map(toRow));
      pendingRows.clear();
    }
    if (checkpointDirty) {
      await saveCheckpoint(warehouse, config.groupId, state.snapshot(), ++seq);
      checkpointDirty = false;
    }
    // Durable: now tell the dashboards (running first, so a final value is never followed by a stale one).
    live.running([...pendingRunning.values()]);
    live.final(pendingFinal);
    pendingRunning.clear();
    pendingFinal = [];
  };

  const partitions = createPartitionTracker(log, config.groupId, config, state, logger);
  await partitions.refresh(true);

  const handle = async (events: readonly ParsedRecord[]): Promise<void> => {
    await partitions.refresh(false).catch((e: unknown) => logger.warn({ err: errorMessage(e) }, 'partition refresh failed'));
    for (const { record, event } of events) {
      const outcome = state.apply(`${record.topic}:${record.partition}`, record.offset, event);
      if (outcome.kind === 'duplicate') {
        counts.duplicates++;
        continue;
      }
      checkpointDirty = true;
      if (outcome.kind === 'applied') counts.applied++;
      else if (outcome.kind === 'repeated') counts.duplicates++;
      else if (outcome.kind === 'late') {
        counts.late++;
        lateTotal.inc();
        pendingLetters.push({ record, code: 'EVENT_LATE', reason: outcome.reason, stage: AGGREGATION_JOB_NAME });
      }
    }
    await settle();
  };

  /** A producer watermark mark of one partition: may close windows; checkpointed like an event. */
  const onWatermark = async (topic: string, partition: number, watermarkMs: number): Promise<void> => {
    if (!state.producerWatermark(`${topic}:${partition}`, watermarkMs)) return;
    checkpointDirty = true;
    await settle();
  };

  /** Closes what the watermark passed, then persists and publishes the changes. */
  const settle = async (): Promise<void> => {
    const changes = state.drain();
    for (const v of changes.running) {
      pendingRows.set(keyOf(v), v);
      pendingRunning.set(keyOf(v), v);
    }
    for (const v of changes.final) {
      pendingRows.set(keyOf(v), v);
      pendingRunning.delete(keyOf(v));
      pendingFinal.push(v);
      finalizedTotal.inc({ scope: v.regionId === null ? 'platform' : 'region' });
    }
    await persist();
    const wm = state.watermark();
    if (wm !== null) watermarkGauge.set(wm / 1000);
    openGauge.set(state.openWindowCount());
  };

  // Handler calls of different partitions are serialised: the state and its checkpoint are one.
  let chain: Promise<void> = Promise.resolve();
  const exclusive = (f: () => Promise<void>): Promise<void> => {
    const next = chain.then(f);
    chain = next.catch(() => undefined);
    return next;
  };

  const job = await startEventJob({
    name: AGGREGATION_JOB_NAME,
    groupId: config.groupId,
    topics: SOURCE_TOPICS,
    log,
    logger: deps.logger,
    metrics,
    maxBatchSize: config.maxBatchSize,
    handle: (events) => exclusive(() => handle(events)),
    onWatermark: (topic, partition, ms) => exclusive(() => onWatermark(topic, partition, ms)),
  });

  const stats: AggregationStats = {
    get processed() {
      return job.stats.processed;
    },
    get deadLettered() {
      return job.stats.deadLettered + counts.late;
    },
    get late() {
      return counts.late;
    },
    get applied() {
      return counts.applied;
    },
    get duplicates() {
      return counts.duplicates;
    },
    get openWindows() {
      return state.openWindowCount();
    },
  };

  // how far behind wall-clock time windows close; grows while nothing advances the watermark
  const unsampleDelay = sampledGauge(metrics, METRICS.watermarkDelay, { job: AGGREGATION_JOB_NAME }, () => {
    const wm = state.watermark();
    return wm === null ? null : Math.max(0, (Date.now() - wm) / 1000);
  });
  let stopped = false;
  return {
    name: AGGREGATION_JOB_NAME,
    config,
    stats,
    watermark: () => state.watermark(),
    flush: () =>
      exclusive(async () => {
        await persist();
        await live.flush();
      }),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      unsampleDelay();
      await job.stop();
      await exclusive(persist).catch((e: unknown) => logger.warn({ err: errorMessage(e) }, 'final write failed; the next start replays it'));
      await live.close();
    },
  };
}

async function insertAll(warehouse: Warehouse, table: string, rows: ReturnType<typeof toRow>[]): Promise<void> {
  if (rows.length === 0) return;
  const r = await warehouse.insert(table, rows);
  const first = r.rejected[0];
  if (first) throw new PlatformError('WAREHOUSE_ROW_REJECTED', `${r.rejected.length} ${table} rows rejected: ${first.reason}`, { table });
}

/**
 * No checkpoint but a group with committed offsets (the warehouse was reset, or the table is new):
 * the windows of those records are gone, so the group starts over from the beginning of the log.
 * (With a checkpoint, a group ahead of it only skipped records the job never sees: malformed ones.)
 */
async function rewindGroup(log: EventLog, groupId: string, logger: Logger): Promise<void> {
  for (const topic of SOURCE_TOPICS) {
    const committed = await log.committedOffsets(groupId, topic);
    const moves: Record<number, string> = {};
    for (const [p, c] of Object.entries(committed)) if (BigInt(c) > 0n) moves[Number(p)] = '0';
    if (Object.keys(moves).length === 0) continue;
    logger.warn({ topic, groupId }, 'no aggregation checkpoint but the group has committed offsets; consuming again from the beginning');
    try {
      await log.setOffsets(groupId, topic, moves);
    } catch (e) {
      logger.error({ err: errorMessage(e), topic }, 'could not rewind the consumer group; windows before its offsets stay missing');
    }
  }
}
