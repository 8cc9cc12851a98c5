/**
 * The windows job: runs a set of window specs (schema/windows) over the domain topics they read,
 * with the window engine (window-engine.ts; the rules are in spec-windows.ts), and writes every
 * window to the Warehouse (SPEC_WINDOWS) and live to PubSub (spec and key channels).
 *
 * Delivery, the aggregation job's recipe (jobs/aggregation/aggregation-job.ts):
 * - after every batch: late events to the dead-letter topic (EVENT_LATE, the reasons of the specs
 *   it was late for; it still counts in the others), the changed window rows upserted, then ONE
 *   checkpoint row with the whole engine snapshot (offsets, watermarks, marks, open windows, seen
 *   ids), and only then does the handler resolve and the log commit the offsets. A restart loads the
 *   checkpoint and skips re-delivered records below its offsets; rows carry version 2 x events
 *   (+1 final), so replays rewrite the same rows.
 * - no checkpoint but committed offsets: the group is moved back to the beginning to rebuild.
 * - producer watermark marks (control records) reach the engine through the event consumer's
 *   onWatermark hook: a quiet partition stops holding the specs that read it (lateness unchanged).
 * - the consumer group follows the specs (spec-selection.ts): a changed spec set is a new group that
 *   rebuilds from the log; a checkpoint is never resumed under another definition of a spec.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { EventLog } from '../../connectors/contracts/event-log.ts';
import type { PubSub } from '../../connectors/contracts/pub-sub.ts';
import type { Warehouse } from '../../connectors/contracts/warehouse.ts';
import { counter, gauge, sampledGauge } from '../../connectors/support/metrics.ts';
import { validateConfig } from '../../schema/config-validation.ts';
import { errorMessage } from '../../schema/errors.ts';
import { TOPICS, type TopicSpec } from '../../schema/events/topics.ts';
import { METRICS } from '../../schema/operations/metric-names.ts';
import { SPEC_WINDOWS, WINDOW_CHECKPOINTS } from '../../schema/windows/window-tables.ts';
import type { WindowSpec } from '../../schema/windows/window-spec.ts';
import { sendToDeadLetter, type DeadLetter } from '../support/dead-letter.ts';
import { startEventJob, type ParsedRecord } from '../support/event-consumer.ts';
import { WindowsConfigSchema, type WindowsConfig } from './config.ts';
import { LiveWindows } from './live-windows.ts';
import { createEnginePartitionTracker, rewindGroup } from './engine-partitions.ts';
import { groupIdOf, memberSpecs } from './spec-selection.ts';
import type { SpecWindowView } from './spec-windows.ts';
import { WindowEngine } from './window-engine.ts';
import { insertWindows, loadEngineCheckpoint, rowKey, saveEngineCheckpoint } from './window-rows.ts';

export const WINDOWS_JOB_NAME = 'windows';

export interface WindowsJobDeps {
  readonly log: EventLog;
  readonly warehouse: Warehouse;
  readonly pubsub: PubSub;
  readonly logger: Logger;
  readonly metrics: Registry;
  /** Raw config (key `windows`), validated here. */
  readonly config?: unknown;
}

export interface WindowsJob {
  readonly name: string;
  readonly groupId: string;
  readonly specs: readonly WindowSpec[];
  readonly stats: { readonly processed: number; readonly applied: number; readonly late: number; readonly duplicates: number; readonly openWindows: number };
  watermarks(): Record<string, number | null>;
  flush(): Promise<void>;
  stop(): Promise<void>;
}

export async function startWindowsJob(deps: WindowsJobDeps): Promise<WindowsJob> {
  const config: Readonly<WindowsConfig> = validateConfig(WindowsConfigSchema, deps.config ?? {}, 'windows');
  const specs = memberSpecs(config);
  const groupId = groupIdOf(config, specs);
  const { log, warehouse, metrics } = deps;
  const logger = deps.logger.child({ job: WINDOWS_JOB_NAME, groupId });
  const lateTotal = counter(metrics, 'gofuture_windows_late_events_total', 'Events late for at least one window spec (dead-lettered once)', []);
  const finalizedTotal = counter(metrics, 'gofuture_windows_finalized_total', 'Spec windows that became final', ['spec']);
  const watermarkGauge = gauge(metrics, 'gofuture_windows_watermark_seconds', 'Event-time watermark of each window spec, epoch seconds', ['spec']);
  const openGauge = gauge(metrics, 'gofuture_windows_open_windows', 'Spec windows not final yet', []);

  await warehouse.ensureTables([SPEC_WINDOWS, WINDOW_CHECKPOINTS]);
  const checkpoint = await loadEngineCheckpoint(warehouse, groupId);
  const engine = new WindowEngine(specs, checkpoint?.snapshot);
  const topics = engine.topics();
  const specsOfTopics: TopicSpec[] = Object.values(TOPICS).filter((t: TopicSpec) => topics.includes(t.name));
  await log.ensureTopics([...specsOfTopics, TOPICS.deadLetter]);
  let seq = checkpoint?.seq ?? 0;
  if (!checkpoint) await rewindGroup(log, groupId, topics, logger);
  logger.info({ specs: specs.map((s) => s.name), topics, resumed: checkpoint !== null }, 'windows state loaded');

  const live = new LiveWindows({ pubsub: deps.pubsub, intervalMs: config.publishIntervalMs, logger, metrics });
  const counts = { applied: 0, late: 0, duplicates: 0 };
  const pendingRows = new Map<string, SpecWindowView>();
  const pendingRunning = new Map<string, SpecWindowView>();
  let pendingClosed: SpecWindowView[] = [];
  let pendingLetters: DeadLetter[] = [];
  let checkpointDirty = false;

  const persist = async (): Promise<void> => {
    if (pendingLetters.length > 0) {
      await sendToDeadLetter(log, pendingLetters);
      pendingLetters = [];
    }
    if (pendingRows.size > 0) {
      await insertWindows(warehouse, [...pendingRows.values()]);
      pendingRows.clear();
    }
    if (checkpointDirty) {
      await saveEngineCheckpoint(warehouse, groupId, engine.snapshot(), ++seq);
      checkpointDirty = false;
    }
    live.running([...pendingRunning.values()]);
    live.closed(pendingClosed);
    pendingRunning.clear();
    pendingClosed = [];
  };

  const partitions = createEnginePartitionTracker(log, groupId, topics, config, engine, logger);
  await partitions.refresh(true);

  const handle = async (events: readonly ParsedRecord[]): Promise<void> => {
    await partitions.refresh(false).catch((e: unknown) => logger.warn({ err: errorMessage(e) }, 'partition refresh failed'));
    for (const { record, event } of events) {
      const o = engine.apply(record.topic, record.partition, record.offset, event);
      checkpointDirty = true;
      counts.applied += o.applied;
      counts.duplicates += o.duplicate;
      if (o.late.length > 0) {
        counts.late++;
        lateTotal.inc();
        pendingLetters.push({ record, code: 'EVENT_LATE', reason: o.late.join('; '), stage: WINDOWS_JOB_NAME });
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
      if (v.isFinal && !v.retracted) finalizedTotal.inc({ spec: v.spec });
    }
    await persist();
    for (const [spec, wm] of Object.entries(engine.watermarks())) if (wm !== null) watermarkGauge.set({ spec }, wm / 1000);
    openGauge.set(engine.openWindowCount());
  };

  let chain: Promise<void> = Promise.resolve();
  const exclusive = (f: () => Promise<void>): Promise<void> => {
    const next = chain.then(f);
    chain = next.catch(() => undefined);
    return next;
  };

  const job = await startEventJob({
    name: WINDOWS_JOB_NAME,
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

  const unsampleDelay = sampledGauge(metrics, METRICS.watermarkDelay, { job: WINDOWS_JOB_NAME }, () => {
    const wms = Object.values(engine.watermarks()).filter((w): w is number => w !== null);
    return wms.length === 0 ? null : Math.max(0, (Date.now() - Math.min(...wms)) / 1000);
  });
  let stopped = false;
  return {
    name: WINDOWS_JOB_NAME,
    groupId,
    specs,
    stats: {
      get processed() {
        return job.stats.processed;
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
    watermarks: () => engine.watermarks(),
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
