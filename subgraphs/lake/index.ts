/** The lake subgraph: runs alone on its own port (startLakeSubgraph) or is composed by bin/. */
import type { Logger } from 'pino';
import type { PubSub } from '../../connectors/contracts/pub-sub.ts';
import { createSubgraphServer, loadSubgraphTypeDefs, type SubgraphServer, type SubgraphSignatureOptions } from '../common/index.ts';
import type { LakeContext, LakeSubgraphApi } from './context.ts';
import { lakeResolvers } from './resolvers.ts';

export type { LakeSubgraphApi, LakeContext } from './context.ts';
export { lakeResolvers } from './resolvers.ts';

export interface LakeSubgraphOptions {
  readonly lake: LakeSubgraphApi;
  readonly pubsub: PubSub;
  readonly logger: Logger;
  readonly port: number;
  readonly host?: string;
  readonly production?: boolean;
  /** The gateway's HMAC signature check (subgraphs/common/signature.ts). */
  readonly signature?: SubgraphSignatureOptions;
}

export function startLakeSubgraph(opts: LakeSubgraphOptions): Promise<SubgraphServer> {
  return createSubgraphServer<LakeContext>({
    name: 'lake',
    typeDefs: loadSubgraphTypeDefs('lake'),
    resolvers: lakeResolvers(),
    context: (req) => ({ ...req, lake: opts.lake, pubsub: opts.pubsub }),
    logger: opts.logger,
    port: opts.port,
    health: async () => {
      const p = await opts.pubsub.health();
      return { ok: p.ok, detail: `pubsub: ${p.detail}` };
    },
    ...(opts.host !== undefined ? { host: opts.host } : {}),
    ...(opts.production !== undefined ? { production: opts.production } : {}),
    ...(opts.signature !== undefined ? { signature: opts.signature } : {}),
  });
}
