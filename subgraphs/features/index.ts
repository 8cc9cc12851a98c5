/** The features subgraph: runs alone on its own port (startFeaturesSubgraph) or is composed by bin/. */
import type { Logger } from 'pino';
import type { OnlineStore } from '../../connectors/contracts/online-store.ts';
import { createSubgraphServer, loadSubgraphTypeDefs, type SubgraphServer, type SubgraphSignatureOptions } from '../common/index.ts';
import { createFeaturesContext, type FeaturesContext } from './context.ts';
import { featuresResolvers } from './resolvers.ts';
import type { HistoricalFeatureApi } from './historical.ts';

export { featuresResolvers, MAX_IDS } from './resolvers.ts';
export { MAX_HISTORICAL_IDS, type HistoricalFeatureApi, type HistoricalLookup } from './historical.ts';
export { createFeatureLoaders, createFeaturesContext, type FeatureLoaders, type FeaturesContext } from './context.ts';

export interface FeaturesSubgraphOptions {
  /** A started online store. */
  readonly onlineStore: OnlineStore;
  /** Point-in-time look-ups in the offline store (historicalFeatures); absent: that field answers FEATURE_STORE_UNAVAILABLE. */
  readonly historical?: HistoricalFeatureApi;
  readonly logger: Logger;
  readonly port: number;
  readonly host?: string;
  readonly production?: boolean;
  /** The gateway's HMAC signature check (subgraphs/common/signature.ts). */
  readonly signature?: SubgraphSignatureOptions;
}

export function startFeaturesSubgraph(opts: FeaturesSubgraphOptions): Promise<SubgraphServer> {
  return createSubgraphServer<FeaturesContext>({
    name: 'features',
    typeDefs: loadSubgraphTypeDefs('features'),
    resolvers: featuresResolvers(),
    context: createFeaturesContext(opts.onlineStore, opts.historical),
    logger: opts.logger,
    port: opts.port,
    health: () => opts.onlineStore.health(),
    ...(opts.host !== undefined ? { host: opts.host } : {}),
    ...(opts.production !== undefined ? { production: opts.production } : {}),
    ...(opts.signature !== undefined ? { signature: opts.signature } : {}),
  });
}
