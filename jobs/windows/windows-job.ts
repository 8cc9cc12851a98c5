/**
 * The windows job: runs a set of window specs (schema/windows, chosen by config and by this
 * member's share of them, spec-selection.ts) on the window runner (window-runner.ts: delivery,
 * checkpoints, marks, live), writing every window to the Warehouse (SPEC_WINDOWS) and live to
 * PubSub on its key's and its spec's channels. The consumer group follows the specs: a changed spec
 * set is a new group that rebuilds from the log; a checkpoint is never resumed under another
 * definition of a spec.
 */
import type { Warehouse } from '../../connectors/contracts/warehouse.ts';
import { counter, gauge } from '../../connectors/support/metrics.ts';
import { validateConfig } from '../../schema/config-validation.ts';
import { SPEC_WINDOWS, WINDOW_CHECKPOINTS } from '../../schema/windows/window-tables.ts';
import type { WindowSpec } from '../../schema/windows/window-spec.ts';
import { WindowsConfigSchema, type WindowsConfig } from './config.ts';
import { groupIdOf, memberSpecs } from './spec-selection.ts';
import { startWindowRunner, type WindowOutput, type WindowRunnerDeps, type WindowRunnerStats } from './window-runner.ts';
import { channelsOf, insertWindows, rowKey, toMessage } from './window-rows.ts';

export const WINDOWS_JOB_NAME = 'windows';

export type WindowsJobDeps = WindowRunnerDeps & {
  /** Raw config, validated here (defaults filled). */
  readonly config?: unknown;
};

export interface WindowsJob {
  readonly name: string;
  readonly groupId: string;
  readonly specs: readonly WindowSpec[];
  readonly stats: WindowRunnerStats;
  watermarks(): Record<string, number | null>;
  flush(): Promise<void>;
  stop(): Promise<void>;
}

/** spec_windows rows, live on `spec-windows:<spec>:<key>` and `spec-windows:<spec>`. */
export const specWindowsOutput = (warehouse: Warehouse): WindowOutput => ({
  tables: [SPEC_WINDOWS],
  write: (views) => insertWindows(warehouse, views),
  live: { keyOf: rowKey, channelsOf, messageOf: toMessage },
  liveMetricNames: { published: 'gofuture_windows_published_total', failed: 'gofuture_windows_publish_failures_total' },
});

export async function startWindowsJob(deps: WindowsJobDeps): Promise<WindowsJob> {
  const config: Readonly<WindowsConfig> = validateConfig(WindowsConfigSchema, deps.config ?? {}, 'windows');
  const specs = memberSpecs(config);
  const groupId = groupIdOf(config, specs);
  const { metrics } = deps;
  const lateTotal = counter(metrics, 'gofuture_windows_late_events_total', 'Events late for at least one window spec (dead-lettered once)', []);
  const finalizedTotal = counter(metrics, 'gofuture_windows_finalized_total', 'Spec windows that became final', ['spec']);
  const watermarkGauge = gauge(metrics, 'gofuture_windows_watermark_seconds', 'Event-time watermark of each window spec, epoch seconds', ['spec']);
  const openGauge = gauge(metrics, 'gofuture_windows_open_windows', 'Spec windows not final yet', []);
  const runner = await startWindowRunner(deps, {
    name: WINDOWS_JOB_NAME,
    groupId,
    specs,
    checkpointTable: WINDOW_CHECKPOINTS,
    groupIdPath: 'windows.groupId',
    output: specWindowsOutput(deps.warehouse),
    config,
    hooks: {
      late: () => lateTotal.inc(),
      finalized: (v) => finalizedTotal.inc({ spec: v.spec }),
      settled: (engine) => {
        for (const [spec, wm] of Object.entries(engine.watermarks())) if (wm !== null) watermarkGauge.set({ spec }, wm / 1000);
        openGauge.set(engine.openWindowCount());
      },
    },
  });
  return {
    name: WINDOWS_JOB_NAME,
    groupId,
    specs,
    stats: runner.stats,
    watermarks: () => runner.engine.watermarks(),
    flush: () => runner.flush(),
    stop: () => runner.stop(),
  };
}
