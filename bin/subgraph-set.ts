/** Starts the subgraphs of the platform over the given connectors, each on its own port. */
import type { Logger } from 'pino';
import { register as defaultRegistry } from 'prom-client';
import type { SubgraphServer } from '../subgraphs/common/index.ts';
import { startTripsSubgraph } from '../subgraphs/trips/index.ts';
import { startPaymentsSubgraph } from '../subgraphs/payments/index.ts';
import { startFeaturesSubgraph } from '../subgraphs/features/index.ts';
import { startMetricsSubgraph } from '../subgraphs/metrics/index.ts';
import { subgraphPort, type PlatformConfig, type SubgraphName } from './config.ts';
import type { PlatformConnectors } from './connectors.ts';
import { windowSizes, windowSpecs } from './job-set.ts';

export async function startSubgraph(name: SubgraphName, config: Readonly<PlatformConfig>, c: PlatformConnectors, logger: Logger): Promise<SubgraphServer> {
  const common = {
    logger: logger.child({ subgraph: name }),
    port: subgraphPort(config, name),
    host: config.host,
    production: config.production,
    // only the gateway may call: its HMAC signature is required in production
    signature: { secret: config.gateway.auth.hmacSecret, required: config.production },
  };
  switch (name) {
    case 'trips':
      return startTripsSubgraph({ ...common, warehouse: c.warehouse });
    case 'payments':
      return startPaymentsSubgraph({ ...common, warehouse: c.warehouse });
    case 'features': {
      // historicalFeatures reads the lake, opened on the first look-up (bin/features-offline.ts)
      const { lazyHistoricalApi, openFeatureOffline } = await import('./features-offline.ts');
      const historical = lazyHistoricalApi(() => openFeatureOffline(config, logger, defaultRegistry));
      const server = await startFeaturesSubgraph({ ...common, onlineStore: c.onlineStore, historical });
      const close = async (): Promise<void> => {
        await server.close();
        await historical.close();
      };
      return { ...server, close, [Symbol.asyncDispose]: close };
    }
    case 'models': {
      // serving by alias, prediction log, online quality (bin/models-serving.ts)
      const { startServingModelsSubgraph } = await import('./models-serving.ts');
      return startServingModelsSubgraph(common, config, c, logger);
    }
    case 'metrics':
      return startMetricsSubgraph({ ...common, warehouse: c.warehouse, pubsub: c.pubSub, windowSizes: windowSizes(config), windowSpecs: windowSpecs(config), jobStaleAfterMs: config.jobStaleAfterMs });
    case 'lake': {
      // the pipeline this process shares with the orchestrator job (bin/pipeline.ts)
      const { acquirePipeline, lakeSubgraphApi } = await import('./pipeline.ts');
      const { startLakeSubgraph } = await import('../subgraphs/lake/index.ts');
      const { pipeline, release } = await acquirePipeline(config, c, logger, defaultRegistry);
      try {
        const server = await startLakeSubgraph({ ...common, lake: lakeSubgraphApi(pipeline), pubsub: c.pubSub });
        const close = async (): Promise<void> => {
          await server.close();
          await release();
        };
        return { ...server, close, [Symbol.asyncDispose]: close };
      } catch (e) {
        await release();
        throw e;
      }
    }
  }
}
