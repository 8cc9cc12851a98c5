/** The features subgraph: runs alone on its own port (startFeaturesSubgraph) or is composed by bin/. */
import type { Logger } from 'pino';
import type { OnlineStore } from '../../connectors/contracts/online-store.ts';
import { createSubgraphServer, loadSubgraphTypeDefs, type SubgraphServer, type SubgraphSignatureOptions } from '../common/index.ts';
import { createFeaturesContext, type FeaturesContext } from './context.ts';
import { featuresResolvers } from './resolvers.ts';

export { featuresResolvers, MAX_IDS } from './resolvers.ts';
export { createFeatureLoaders, createFeaturesContext, type FeatureLoaders, type FeaturesContext } from './context.ts';

export interface FeaturesSubgraphOptions {
  /** A started online store. */
  readonly onlineStore: OnlineStore;
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
    context: createFeaturesContext(opts.onlineStore),
    logger: opts.logger,
    port: opts.port,
    health: () => opts.onlineStore.health(),
    ...(opts.host !== undefined ? { host: opts.host } : {}),
    ...(opts.production !== undefined ? { production: opts.production } : {}),
    ...(opts.signature !== undefined ? { signature: opts.signature } : {}),
  });
}
