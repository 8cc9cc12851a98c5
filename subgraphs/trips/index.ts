/** The trips subgraph: runs alone on its own port (startTripsSubgraph) or is composed by bin/. */
import type { Logger } from 'pino';
import type { Warehouse } from '../../connectors/contracts/warehouse.ts';
import { createSubgraphServer, loadSubgraphTypeDefs, type SubgraphServer, type SubgraphSignatureOptions } from '../common/index.ts';
import { createTripsContext } from './context.ts';
import { tripsResolvers } from './resolvers.ts';

export { tripsResolvers } from './resolvers.ts';
export { createTripsContext, createTripsLoaders, type TripsContext, type TripsLoaders } from './context.ts';

export interface TripsSubgraphOptions {
  readonly warehouse: Warehouse;
  readonly logger: Logger;
  readonly port: number;
  readonly host?: string;
  readonly production?: boolean;
  /** The gateway's HMAC signature check (subgraphs/common/signature.ts). */
  readonly signature?: SubgraphSignatureOptions;
  /** Clock for default time ranges (tests fix it). */
  readonly now?: () => number;
}

export function startTripsSubgraph(opts: TripsSubgraphOptions): Promise<SubgraphServer> {
  return createSubgraphServer({
    name: 'trips',
    typeDefs: loadSubgraphTypeDefs('trips'),
    resolvers: tripsResolvers(),
    context: createTripsContext(opts.warehouse, opts.now ?? Date.now),
    logger: opts.logger,
    port: opts.port,
    health: () => opts.warehouse.health(),
    ...(opts.host !== undefined ? { host: opts.host } : {}),
    ...(opts.production !== undefined ? { production: opts.production } : {}),
    ...(opts.signature !== undefined ? { signature: opts.signature } : {}),
  });
}
