/**
 * Starts the background jobs a process runs, by name (config.jobs): simulator, cdc, landing,
 * features, aggregation, orchestrator, bronze, saga, anomalies; and the job-status reporter over them. Stops producers before consumers.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { startLandingJobs } from '../jobs/landing/index.ts';
import { startFeatureJob } from '../jobs/features/realtime-features.ts';
import { startAggregationJob, AggregationConfigSchema } from '../jobs/aggregation/index.ts';
import { configuredSpecs, startWindowsJob, WindowsConfigSchema } from '../jobs/windows/index.ts';
import type { WindowSpec } from '../schema/windows/window-spec.ts';
import { createSimulator } from '../jobs/simulator/index.ts';
import { startCdcJob } from '../jobs/cdc/index.ts';
import { startJobStatusReporter, type JobStatusSource } from '../jobs/support/job-status.ts';
import { startBronzeJob } from '../jobs/lake/bronze-job.ts';
import { startSagaJob } from '../jobs/saga/index.ts';
import { startAnomalyJob } from '../jobs/anomalies/index.ts';
import { createAlertSink } from '../jobs/orchestrator/alerts.ts';
import { LakeConfigSchema } from '../jobs/lake/config.ts';
import { openLake } from '../jobs/lake/delta/index.ts';
import type { ChangeSource } from '../connectors/contracts/change-source.ts';
import { debeziumTopicSourceFactory } from '../connectors/debezium/index.ts';
import { validateConfig } from '../schema/config-validation.ts';
import { TOPICS } from '../schema/events/topics.ts';
import { PlatformError } from '../schema/errors.ts';
import type { JobName, PlatformConfig } from './config.ts';
import { connectorRegistry, type PlatformConnectors } from './connectors.ts';

export function windowSizes(config: Readonly<PlatformConfig>): number[] {
  return [...validateConfig(AggregationConfigSchema, config.aggregation, 'aggregation').windowMinutes];
}

/** Every window spec the config runs (all members), for the metrics subgraph's metadata. */
export function windowSpecs(config: Readonly<PlatformConfig>): WindowSpec[] {
  return configuredSpecs(validateConfig(WindowsConfigSchema, config.windows, 'windows'));
}

export interface RunningJobs {
  stop(): Promise<void>;
}

interface Started {
  readonly sources: JobStatusSource[];
  readonly stop: () => Promise<void>;
  /** Producers stop first so consumers can drain what was produced. */
  readonly producer: boolean;
}

async function isEmpty(log: PlatformConnectors['eventLog']): Promise<boolean> {
  try {
    const end = await log.endOffsets(TOPICS.booking.name);
    return Object.values(end).every((o) => o === '0');
  } catch {
    return true; // topic not created yet
  }
}

const running = (name: string, stats: () => { processed: number; deadLettered: number }): JobStatusSource => ({ name, state: () => 'running', stats });

async function startOne(name: JobName, config: Readonly<PlatformConfig>, c: PlatformConnectors, logger: Logger, metrics: Registry): Promise<Started> {
  const deps = { log: c.eventLog, logger, metrics };
  switch (name) {
    case 'simulator': {
      // `backfillMinutes`: on an empty event log, first simulate that much history at full speed, so a
      // newcomer sees completed trips, payments and closed windows at once; then run live.
      const { backfillMinutes, ...simConfig } = config.simulator;
      const backfillMs = typeof backfillMinutes === 'number' && backfillMinutes > 0 ? backfillMinutes * 60_000 : 0;
      const fresh = backfillMs > 0 && (await isEmpty(c.eventLog));
      const sim = createSimulator({ ...deps, ...simConfig, ...(fresh ? { startTime: Date.now() - backfillMs } : {}) });
      if (fresh) {
        await sim.runFor(backfillMs);
        logger.info({ minutes: backfillMinutes, events: sim.stats().published }, 'simulator backfilled history');
      }
      await sim.start();
      return {
        producer: true,
        stop: () => sim.stop(),
        sources: [{ name: 'simulator', state: () => (sim.stats().running ? 'running' : 'stopped'), stats: () => ({ processed: sim.stats().published, deadLettered: 0 }) }],
      };
    }
    case 'cdc': {
      const raw = config.cdc.changeSource;
      if (!raw) throw new PlatformError('CONFIG_INVALID', 'invalid config at cdc.changeSource: the cdc job needs a change source', { path: 'cdc.changeSource' });
      // the Debezium-topics source reads through this process's EventLog
      const registry = connectorRegistry().register(debeziumTopicSourceFactory({ eventLog: c.eventLog }));
      const source = registry.create<ChangeSource>('changeSource', raw, { logger: logger.child({ connector: 'changeSource' }), metrics }, 'cdc.changeSource');
      const job = await startCdcJob({ ...deps, source, topicPrefix: config.cdc.topicPrefix });
      return {
        producer: true,
        stop: async () => {
          await job.stop();
          await source.close();
        },
        sources: [running('cdc', () => ({ processed: job.stats.changes, deadLettered: job.stats.deadLettered }))],
      };
    }
    case 'landing': {
      const landing = await startLandingJobs({ ...deps, warehouse: c.warehouse });
      return { producer: false, stop: () => landing.stop(), sources: landing.jobs.map((j) => running(j.name, () => j.stats)) };
    }
    case 'features': {
      const job = await startFeatureJob({ ...deps, onlineStore: c.onlineStore });
      return { producer: false, stop: () => job.stop(), sources: [running(job.name, () => job.stats)] };
    }
    case 'aggregation': {
      const job = await startAggregationJob({ ...deps, warehouse: c.warehouse, pubsub: c.pubSub, config: config.aggregation });
      return { producer: false, stop: () => job.stop(), sources: [running(job.name, () => job.stats)] };
    }
    case 'windows': {
      const job = await startWindowsJob({ ...deps, warehouse: c.warehouse, pubsub: c.pubSub, config: config.windows });
      return { producer: false, stop: () => job.stop(), sources: [running(job.name, () => ({ processed: job.stats.processed, deadLettered: job.stats.late }))] };
    }
    case 'orchestrator': {
      const { startOrchestratorJob } = await import('./pipeline.ts');
      const h = await startOrchestratorJob(config, c, logger, metrics);
      const stats = h.pipeline.orchestrator.stats;
      return { producer: false, stop: () => h.stop(), sources: [running('orchestrator', () => ({ processed: stats.succeeded, deadLettered: stats.failed }))] };
    }
    case 'saga': {
      const job = await startSagaJob({ ...deps, warehouse: c.warehouse });
      return { producer: false, stop: () => job.stop(), sources: [running(job.name, () => job.stats)] };
    }
    case 'anomalies': {
      const sink = createAlertSink({ log: c.eventLog, pubsub: c.pubSub, metrics, logger: logger.child({ component: 'anomaly-alerts' }) });
      const job = await startAnomalyJob({ ...deps, warehouse: c.warehouse, sink });
      return { producer: false, stop: () => job.stop(), sources: [running(job.name, () => job.stats)] };
    }
    case 'bronze': {
      const lakeConfig = validateConfig(LakeConfigSchema, config.lake, 'lake');
      await c.lakeStore.start();
      const lake = openLake(c.lakeStore, { logger, ...(lakeConfig.scratchDir ? { scratchDir: lakeConfig.scratchDir } : {}) });
      const job = await startBronzeJob({ ...deps, lake, ...lakeConfig.bronze });
      return {
        producer: false,
        stop: async () => {
          await job.stop();
          await lake.close();
          await c.lakeStore.close();
        },
        sources: [running(job.name, () => job.stats)],
      };
    }
  }
}

export async function startJobs(config: Readonly<PlatformConfig>, c: PlatformConnectors, logger: Logger, metrics: Registry): Promise<RunningJobs> {
  const started: Started[] = [];
  const stopAll = async (): Promise<void> => {
    // producers first, then consumers (each finishes and commits its batch)
    await Promise.all(started.filter((s) => s.producer).map((s) => s.stop()));
    await Promise.all(started.filter((s) => !s.producer).map((s) => s.stop()));
  };
  try {
    // consumers before producers, so nothing produced at start waits for its consumer
    const order = [...config.jobs].sort((a, b) => Number(a === 'simulator' || a === 'cdc') - Number(b === 'simulator' || b === 'cdc'));
    for (const name of order) started.push(await startOne(name, config, c, logger, metrics));
  } catch (e) {
    await stopAll().catch(() => undefined);
    throw e;
  }
  if (started.length === 0) return { stop: async () => undefined };
  const status = startJobStatusReporter({ warehouse: c.warehouse, intervalMs: config.jobStatusIntervalMs, logger, metrics, sources: started.flatMap((s) => s.sources) });
  return {
    stop: async () => {
      await stopAll();
      await status.stop();
    },
  };
}
