/** The metrics subgraph: runs alone on its own port (startMetricsSubgraph) or is composed by bin/. */
import type { Logger } from 'pino';
import type { PubSub } from '../../connectors/contracts/pub-sub.ts';
import type { Warehouse } from '../../connectors/contracts/warehouse.ts';
import { createSubgraphServer, loadSubgraphTypeDefs, type SubgraphServer, type SubgraphSignatureOptions } from '../common/index.ts';
import { metricsResolvers, type MetricsContext } from './resolvers.ts';
import { parseWindowSpecs, SPEC_CATALOGUE, type WindowSpec } from '../../schema/windows/index.ts';

export { metricsResolvers, type MetricsContext } from './resolvers.ts';

/** The window sizes the stream aggregation produces by default. */
export const DEFAULT_WINDOW_SIZES: readonly number[] = [5, 15, 60];

/** A running job without a heartbeat for this long is shown as `stale` (config jobStaleAfterMs). */
export const DEFAULT_JOB_STALE_AFTER_MS = 15_000;

export interface MetricsSubgraphOptions {
  readonly warehouse: Warehouse;
  readonly pubsub: PubSub;
  readonly logger: Logger;
  readonly port: number;
  readonly host?: string;
  readonly production?: boolean;
  /** The gateway's HMAC signature check (subgraphs/common/signature.ts). */
  readonly signature?: SubgraphSignatureOptions;
  /** Window sizes (minutes) the aggregation produces; others are BAD_USER_INPUT. Default 5, 15, 60. */
  readonly windowSizes?: readonly number[];
  /** A running job without a heartbeat for this long is shown as `stale`. Default 15 s. */
  readonly jobStaleAfterMs?: number;
  /** Window specs served by windowSpecs / specWindows / specWindowUpdates. Default: the whole catalogue (schema/windows). */
  readonly windowSpecs?: readonly WindowSpec[];
}

export function startMetricsSubgraph(opts: MetricsSubgraphOptions): Promise<SubgraphServer> {
  const windowSizes = Object.freeze([...(opts.windowSizes ?? DEFAULT_WINDOW_SIZES)]);
  const windowSpecs = Object.freeze([...(opts.windowSpecs ?? parseWindowSpecs(SPEC_CATALOGUE))]);
  return createSubgraphServer<MetricsContext>({
    name: 'metrics',
    typeDefs: loadSubgraphTypeDefs('metrics'),
    resolvers: metricsResolvers(),
    context: (req) => ({ ...req, warehouse: opts.warehouse, pubsub: opts.pubsub, windowSizes, windowSpecs, jobStaleAfterMs: opts.jobStaleAfterMs ?? DEFAULT_JOB_STALE_AFTER_MS }),
    logger: opts.logger,
    port: opts.port,
    health: async () => {
      const [w, p] = await Promise.all([opts.warehouse.health(), opts.pubsub.health()]);
      return { ok: w.ok && p.ok, detail: `warehouse: ${w.detail}; pubsub: ${p.detail}` };
    },
    ...(opts.host !== undefined ? { host: opts.host } : {}),
    ...(opts.production !== undefined ? { production: opts.production } : {}),
    ...(opts.signature !== undefined ? { signature: opts.signature } : {}),
  });
}
