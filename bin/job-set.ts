/** Starts the background jobs of the platform: landing, features, aggregation, simulator, job status. */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { startLandingJobs } from '../jobs/landing/index.ts';
import { startFeatureJob } from '../jobs/features/realtime-features.ts';
import { startAggregationJob, AggregationConfigSchema } from '../jobs/aggregation/index.ts';
import { createSimulator } from '../jobs/simulator/index.ts';
import { startJobStatusReporter } from '../jobs/support/job-status.ts';
import { validateConfig } from '../schema/config-validation.ts';
import type { PlatformConfig } from './config.ts';
import type { PlatformConnectors } from './connectors.ts';

export function windowSizes(config: Readonly<PlatformConfig>): number[] {
  return [...validateConfig(AggregationConfigSchema, config.aggregation, 'aggregation').windowMinutes];
}

export interface RunningJobs {
  stop(): Promise<void>;
}

export async function startJobs(config: Readonly<PlatformConfig>, c: PlatformConnectors, logger: Logger, metrics: Registry): Promise<RunningJobs> {
  const deps = { log: c.eventLog, logger, metrics };
  const landing = await startLandingJobs({ ...deps, warehouse: c.warehouse });
  const features = await startFeatureJob({ ...deps, onlineStore: c.onlineStore });
  const aggregation = await startAggregationJob({ ...deps, warehouse: c.warehouse, pubsub: c.pubSub, config: config.aggregation });
  const { enabled, ...simConfig } = config.simulator;
  const simulator = enabled ? createSimulator({ ...deps, ...simConfig }) : null;
  await simulator?.start();
  const status = startJobStatusReporter({
    warehouse: c.warehouse,
    intervalMs: 2000,
    logger,
    sources: [
      ...landing.jobs.map((j) => ({ name: j.name, state: () => 'running' as const, stats: () => j.stats })),
      { name: 'features-realtime', state: () => 'running' as const, stats: () => features.stats },
      { name: 'aggregation', state: () => 'running' as const, stats: () => aggregation.stats },
      ...(simulator ? [{ name: 'simulator', state: () => (simulator.stats().running ? 'running' as const : 'stopped' as const), stats: () => ({ processed: simulator.stats().published, deadLettered: 0 }) }] : []),
    ],
  });
  return {
    stop: async () => {
      // producers first, then consumers (each finishes and commits its batch), then the last status
      await simulator?.stop();
      await Promise.all([landing.stop(), features.stop(), aggregation.stop()]);
      await status.stop();
    },
  };
}
