/**
 * The one runner of window specs, shared by the windows job (spec_windows) and the aggregation job
 * (region_windows / platform_windows): consumes the specs' topics, feeds the window engine
 * (window-engine.ts; rules in spec-windows.ts), writes the changed windows through the job's
 * output, checkpoints, and publishes live windows.
 *
 * Delivery, exactly once in effect:
 * - after every batch: late events to the dead-letter topic (EVENT_LATE, one reason per spec or
 *   lateness group it was late for; it still counts in the others), the changed window rows upserted
 *   (version 2 x events, +1 final: increasing per window, equal for equal content, so a replay
 *   rewrites the same rows), then ONE checkpoint row with the whole engine snapshot (offsets,
 *   watermarks, marks, open windows, seen event ids), and only then does the handler resolve and the
 *   log commit the offsets. A restart loads the checkpoint and skips re-delivered records below its
 *   offsets. The job publishes late events itself, before its checkpoint, so a crash can never
 *   commit past a late event that did not reach the dead-letter topic.
 * - no checkpoint but committed offsets: the group is moved back to the beginning to rebuild.
 * - producer watermark marks (control records) reach the engine through the event consumer's
 *   onWatermark hook: a quiet partition stops holding the specs that read it (lateness unchanged).
 * - live windows go out only once durable (running first, so a final value is never followed by a
 *   stale one); after a crash a final window may be published again (PubSub is at-most-once per
 *   subscriber, dashboards upsert by key).
 * - one instance per consumer group: windows span partitions, so the state is not split (scaling:
 *   docs/decisions/0021-window-specs.md, specs across members).
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { EventLog } from '../../connectors/contracts/event-log.ts';
import type { PubSub } from '../../connectors/contracts/pub-sub.ts';
import type { Warehouse } from '../../connectors/contracts/warehouse.ts';
import { counterOf, sampledGauge } from '../../connectors/support/metrics.ts';
import { errorMessage } from '../../schema/errors.ts';
import { TOPICS, type TopicSpec } from '../../schema/events/topics.ts';
import { METRICS } from '../../schema/operations/metric-names.ts';
import type { TableContract } from '../../schema/tables/warehouse-tables.ts';
import type { WindowSpec } from '../../schema/windows/window-spec.ts';
import { loadCheckpoint, saveCheckpoint } from '../support/checkpoint-store.ts';
import { sendToDeadLetter, type DeadLetter } from '../support/dead-letter.ts';
import { startEventJob, type ParsedRecord } from '../support/event-consumer.ts';
import { LivePublisher, type LiveFormat } from '../support/live-publisher.ts';
import { createPartitionTracker, rewindGroup } from '../support/partition-tracker.ts';
import type { SpecWindowView } from './spec-windows.ts';
import { WindowEngine } from './window-engine.ts';
import { EngineSnapshotSchema, rowKey } from './window-rows.ts';

/** Where a job's windows land. */
export interface WindowOutput {
  /** The tables `write` fills (ensured at start). */
  readonly tables: readonly TableContract[];
  /** Upserts changed windows (a batch's running, final and retracted views, latest per window). */
  write(views: readonly SpecWindowView[]): Promise<void>;
  readonly live: LiveFormat<SpecWindowView>;
  /** The live publisher's counters (messages published by kind, failed publishes). */
  readonly liveMetricNames: { readonly published: string; readonly failed: string };
}

export interface WindowRunnerConfig {
  readonly publishIntervalMs: number;
  readonly partitionRefreshMs: number;
  readonly unseenPartitionTimeoutMs: number;
  readonly maxBatchSize: number;
}

/** A job's own metrics and logs of what the runner does. */
export interface WindowRunnerHooks {
  /** An event late for at least one spec (dead-lettered once). */
  readonly late?: () => void;
  readonly finalized?: (v: SpecWindowView) => void;
  /** After every batch, once durable. */
  readonly settled?: (engine: WindowEngine) => void;
}

export interface WindowRunnerOptions {
  /** Job name: logs, job status, the dead letters' stage, the watermark-delay metric label. */
  readonly name: string;
  readonly groupId: string;
  readonly specs: readonly WindowSpec[];
  readonly checkpointTable: TableContract;
  readonly output: WindowOutput;
  readonly config: WindowRunnerConfig;
  readonly hooks?: WindowRunnerHooks;
  /** The config key of the group id, named when a checkpoint holds a spec under another definition. */
  readonly groupIdPath: string;
  /** A checkpoint of an older layout is not resumed: the group rebuilds from the log. */
  readonly isOlderCheckpoint?: (parsed: unknown) => boolean;
}

export interface WindowRunnerDeps {
  readonly log: EventLog;
  readonly warehouse: Warehouse;
  readonly pubsub: PubSub;
  readonly logger: Logger;
  readonly metrics: Registry;
}

export interface WindowRunnerStats {
  /** Records consumed (valid and invalid). */
  readonly processed: number;
  /** Invalid records (dead-lettered by the consumer) plus late events. */
  readonly deadLettered: number;
  /** Events counted by at least one spec. */
  readonly applied: number;
  /** Events late for at least one spec. */
  readonly late: number;
  /** Records or events (event_id) the specs had already. */
  readonly duplicates: number;
  readonly openWindows: number;
}

export interface WindowRunner {
  readonly engine: WindowEngine;
  readonly stats: WindowRunnerStats;
  /** Writes whatever is pending and publishes coalesced live values now. */
  flush(): Promise<void>;
  /** Finishes the batch in flight (written, checkpointed, committed) and leaves the group. */
  stop(): Promise<void>;
}

export async function startWindowRunner(deps: WindowRunnerDeps, o: WindowRunnerOptions): Promise<WindowRunner> {
  const { log, warehouse, metrics } = deps;
  const { groupId, output, config } = o;
  const logger = deps.logger.child({ job: o.name, groupId });
  const deadTotal = counterOf(metrics, METRICS.deadLetters);

  await warehouse.ensureTables([...output.tables, o.checkpointTable]);
  const checkpoint = await loadCheckpoint(warehouse, o.checkpointTable, groupId, EngineSnapshotSchema, o.isOlderCheckpoint);
  if (checkpoint && checkpoint.state === null) logger.warn('the checkpoint has an older layout; the windows are rebuilt from the log');
  const engine = new WindowEngine(o.specs, checkpoint?.state ?? undefined, o.groupIdPath);
  const topics = engine.topics();
  await log.ensureTopics([...Object.values(TOPICS).filter((t: TopicSpec) => topics.includes(t.name)), TOPICS.deadLetter]);
  let seq = checkpoint?.seq ?? 0;
  if (!checkpoint?.state) await rewindGroup(log, groupId, topics, logger);
  logger.info({ specs: o.specs.map((s) => s.name), topics, resumed: Boolean(checkpoint?.state) }, 'window state loaded');

  const live = new LivePublisher({ pubsub: deps.pubsub, intervalMs: config.publishIntervalMs, logger, metrics, format: output.live, metricNames: output.liveMetricNames });
  const counts = { applied: 0, late: 0, duplicates: 0 };
  // outputs not yet durable (kept across a failed write and retried with the next batch)
  const pendingRows = new Map<string, SpecWindowView>();
  const pendingRunning = new Map<string, SpecWindowView>();
  let pendingClosed: SpecWindowView[] = [];
  let pendingLetters: DeadLetter[] = [];
  let checkpointDirty = false;

  const persist = async (): Promise<void> => {
    if (pendingLetters.length > 0) {
      await sendToDeadLetter(log, pendingLetters);
      for (const l of pendingLetters) deadTotal.inc({ job: o.name, code: l.code });
      for (const l of pendingLetters) logger.warn({ topic: l.record.topic, partition: l.record.partition, offset: l.record.offset, code: l.code, reason: l.reason }, 'dead-lettered');
      pendingLetters = [];
    }
    if (pendingRows.size > 0) {
      await output.write([...pendingRows.values()]);
      pendingRows.clear();
    }
    if (checkpointDirty) {
      await saveCheckpoint(warehouse, o.checkpointTable, groupId, engine.snapshot(), ++seq);
      checkpointDirty = false;
    }
    // durable: now tell the dashboards
    live.running([...pendingRunning.values()]);
    live.closed(pendingClosed, (v) => (v.retracted ? 'retracted' : 'final'));
    pendingRunning.clear();
    pendingClosed = [];
  };

  const partitions = createPartitionTracker(log, groupId, topics, config, engine, logger);
  await partitions.refresh(true);

  const handle = async (events: readonly ParsedRecord[]): Promise<void> => {
    await partitions.refresh(false).catch((e: unknown) => logger.warn({ err: errorMessage(e) }, 'partition refresh failed'));
    for (const { record, event } of events) {
      const r = engine.apply(record.topic, record.partition, record.offset, event);
      checkpointDirty = true;
      if (r.applied > 0) counts.applied++;
      else if (r.duplicate > 0) counts.duplicates++;
      if (r.late.length > 0) {
        counts.late++;
        o.hooks?.late?.();
        pendingLetters.push({ record, code: 'EVENT_LATE', reason: r.late.join('; '), stage: o.name });
      }
    }
    await settle();
  };

  /** A batch's highest producer watermark mark: raises the partition's share, then closes what it passed. */
  const onWatermark = async (topic: string, partition: number, watermarkMs: number, offset: string): Promise<void> => {
    engine.mark(topic, partition, offset, watermarkMs);
    checkpointDirty = true;
    await settle();
  };

  /** Closes what the watermarks passed, then persists and publishes the changes. */
  const settle = async (): Promise<void> => {
    const changes = engine.drain();
    for (const v of changes.running) {
      pendingRows.set(rowKey(v), v);
      pendingRunning.set(rowKey(v), v);
    }
    for (const v of [...changes.final, ...changes.retracted]) {
      pendingRows.set(rowKey(v), v);
      pendingRunning.delete(rowKey(v));
      pendingClosed.push(v);
      if (v.isFinal && !v.retracted) o.hooks?.finalized?.(v);
    }
    await persist();
    o.hooks?.settled?.(engine);
  };

  // handler calls of different partitions are serialised: the state and its checkpoint are one
  let chain: Promise<void> = Promise.resolve();
  const exclusive = (f: () => Promise<void>): Promise<void> => {
    const next = chain.then(f);
    chain = next.catch(() => undefined);
    return next;
  };

  const job = await startEventJob({
    name: o.name,
    groupId,
    topics,
    log,
    logger: deps.logger,
    metrics,
    maxBatchSize: config.maxBatchSize,
    // the late events' letters are published by persist() before the checkpoint
    handle: (events) => exclusive(() => handle(events)),
    onWatermark: (topic, partition, ms, offset) => exclusive(() => onWatermark(topic, partition, ms, offset)),
  });

  // how far behind wall-clock time windows close; grows while nothing advances a watermark
  const unsampleDelay = sampledGauge(metrics, METRICS.watermarkDelay, { job: o.name }, () => {
    const wms = Object.values(engine.watermarks()).filter((w): w is number => w !== null);
    return wms.length === 0 ? null : Math.max(0, (Date.now() - Math.min(...wms)) / 1000);
  });
  let stopped = false;
  return {
    engine,
    stats: {
      get processed() {
        return job.stats.processed;
      },
      get deadLettered() {
        return job.stats.deadLettered + counts.late;
      },
      get applied() {
        return counts.applied;
      },
      get late() {
        return counts.late;
      },
      get duplicates() {
        return counts.duplicates;
      },
      get openWindows() {
        return engine.openWindowCount();
      },
    },
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
