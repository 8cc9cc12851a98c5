/**
 * Stream aggregation job: per-region and platform TUMBLING windows in event time (sizes from config,
 * default 5 / 15 / 60 min) over booking-events and pricing-events, written to the Warehouse
 * (REGION_WINDOWS, PLATFORM_WINDOWS) and published live on PubSub (schema/live-channels.ts).
 *
 * The windows are window specs (schema/windows/region-specs.ts: `region-<m>m`, `platform-<m>m`),
 * run on the one window runner and engine of jobs/windows (window-runner.ts has the delivery recipe,
 * spec-windows.ts the rules); this file only chooses the specs, the output and the metrics:
 * - Watermark: per partition max(newest valid event time - `allowedLatenessMs`, the producer's last
 *   watermark mark); the job watermark is the minimum over the partitions that hold data, never
 *   moving back. A window is FINAL when the watermark passes its end (written with is_final and
 *   published once, at once); running windows are written after every batch and published at most
 *   once per `publishIntervalMs` per window.
 * - LATE events: all the specs form one lateness group, so an event whose smallest window has closed
 *   for its own partition's share of the watermark counts in no size and no platform total (a
 *   60-minute window is always the sum of its 5-minute ones, a platform window the sum of its
 *   regions'); it goes to the dead-letter topic once, EVENT_LATE with the reason, and is counted in
 *   gofuture_aggregation_late_events_total.
 * - Restart, exactly once: one checkpoint row per consumer group (aggregation_checkpoints) after the
 *   batch's window rows and before the offset commit; row versions 2 x events (+1 final).
 * - One instance per consumer group: windows span partitions, so the state is not split.
 */
import { counter, gauge, gaugeOf } from '../../connectors/support/metrics.ts';
import { validateConfig } from '../../schema/config-validation.ts';
import { METRICS } from '../../schema/operations/metric-names.ts';
import { parseWindowSpecs, regionSpecs, type WindowSpec } from '../../schema/windows/index.ts';
import { AGGREGATION_CHECKPOINTS } from '../../schema/windows/window-tables.ts';
import { startWindowRunner, type WindowRunnerDeps } from '../windows/window-runner.ts';
import { AggregationConfigSchema, type AggregationConfig } from './config.ts';
import { regionOf, regionWindowsOutput } from './window-output.ts';

export type AggregationJobDeps = WindowRunnerDeps & {
  /** Raw config, validated here (defaults filled). */
  readonly config?: unknown;
};

export interface AggregationStats {
  /** Records consumed (valid and invalid). */
  readonly processed: number;
  /** Invalid records (dead-lettered by the consumer) plus late events. */
  readonly deadLettered: number;
  readonly late: number;
  readonly applied: number;
  readonly duplicates: number;
  /** Region windows not final yet. */
  readonly openWindows: number;
}

export interface AggregationJob {
  readonly name: string;
  readonly config: Readonly<AggregationConfig>;
  /** The region and platform specs the job runs. */
  readonly specs: readonly WindowSpec[];
  readonly stats: AggregationStats;
  /** The job watermark (epoch ms), null until every partition with data has delivered an event. */
  watermark(): number | null;
  /** Writes whatever is pending and publishes coalesced live values now. */
  flush(): Promise<void>;
  /** Finishes the batch in flight (written, checkpointed, committed) and leaves the group. */
  stop(): Promise<void>;
}

export const AGGREGATION_JOB_NAME = 'aggregation';

const isRegionSpec = (s: WindowSpec): boolean => s.keyBy.length > 0;

/** Checkpoints written before the job ran on the window engine (a WindowState snapshot: no `specs`). */
const isOlderCheckpoint = (parsed: unknown): boolean => typeof parsed === 'object' && parsed !== null && !('specs' in parsed);

export async function startAggregationJob(deps: AggregationJobDeps): Promise<AggregationJob> {
  const config = validateConfig(AggregationConfigSchema, deps.config ?? {}, 'aggregation');
  const specs = parseWindowSpecs(regionSpecs(config.windowMinutes, config.allowedLatenessMs));
  const { metrics } = deps;
  const lateTotal = counter(metrics, 'gofuture_aggregation_late_events_total', 'Events that arrived after their window was final (dead-lettered)', []);
  const finalizedTotal = counter(metrics, 'gofuture_aggregation_windows_finalized_total', 'Windows that became final', ['scope']);
  const watermarkGauge = gaugeOf(metrics, METRICS.watermark);
  const openGauge = gauge(metrics, 'gofuture_aggregation_open_windows', 'Region windows not final yet', []);

  const runner = await startWindowRunner(deps, {
    name: AGGREGATION_JOB_NAME,
    groupId: config.groupId,
    specs,
    checkpointTable: AGGREGATION_CHECKPOINTS,
    groupIdPath: 'aggregation.groupId',
    output: regionWindowsOutput(deps.warehouse),
    config,
    isOlderCheckpoint,
    hooks: {
      late: () => lateTotal.inc(),
      finalized: (v) => finalizedTotal.inc({ scope: regionOf(v) === null ? 'platform' : 'region' }),
      settled: (engine) => {
        const wm = watermarkOf(engine.watermarks());
        if (wm !== null) watermarkGauge.set(wm / 1000);
        openGauge.set(engine.openWindowCount(isRegionSpec));
      },
    },
  });
  const { engine } = runner;
  return {
    name: AGGREGATION_JOB_NAME,
    config,
    specs,
    stats: {
      get processed() {
        return runner.stats.processed;
      },
      get deadLettered() {
        return runner.stats.deadLettered;
      },
      get late() {
        return runner.stats.late;
      },
      get applied() {
        return runner.stats.applied;
      },
      get duplicates() {
        return runner.stats.duplicates;
      },
      get openWindows() {
        return engine.openWindowCount(isRegionSpec);
      },
    },
    watermark: () => watermarkOf(engine.watermarks()),
    flush: () => runner.flush(),
    stop: () => runner.stop(),
  };
}

/** The job watermark: the least of its specs' (they read the same partitions), null while one is. */
function watermarkOf(bySpec: Readonly<Record<string, number | null>>): number | null {
  const wms = Object.values(bySpec);
  if (wms.length === 0 || wms.some((w) => w === null)) return null;
  return Math.min(...(wms as number[]));
}
