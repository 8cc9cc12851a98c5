/** The payments subgraph: runs alone on its own port (startPaymentsSubgraph) or is composed by bin/. */
import type { Logger } from 'pino';
import type { Warehouse } from '../../connectors/contracts/warehouse.ts';
import { createSubgraphServer, loadSubgraphTypeDefs, type SubgraphServer, type SubgraphSignatureOptions } from '../common/index.ts';
import { createPaymentsContext } from './context.ts';
import { paymentsResolvers } from './resolvers.ts';

export { paymentsResolvers } from './resolvers.ts';
export { createPaymentsContext, createPaymentsLoaders, type PaymentsContext, type PaymentsLoaders } from './context.ts';

export interface PaymentsSubgraphOptions {
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

export function startPaymentsSubgraph(opts: PaymentsSubgraphOptions): Promise<SubgraphServer> {
  return createSubgraphServer({
    name: 'payments',
    typeDefs: loadSubgraphTypeDefs('payments'),
    resolvers: paymentsResolvers(),
    context: createPaymentsContext(opts.warehouse, opts.now ?? Date.now),
    logger: opts.logger,
    port: opts.port,
    health: () => opts.warehouse.health(),
    ...(opts.host !== undefined ? { host: opts.host } : {}),
    ...(opts.production !== undefined ? { production: opts.production } : {}),
    ...(opts.signature !== undefined ? { signature: opts.signature } : {}),
  });
}
