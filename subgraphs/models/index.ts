/**
 * The models subgraph: runs alone on its own port (startModelsSubgraph) or is composed by bin/.
 * At start it makes sure the runtime has every model's Production version loaded.
 */
import type { Logger } from 'pino';
import type { ModelRegistry } from '../../connectors/contracts/model-registry.ts';
import type { ModelRuntime } from '../../connectors/contracts/model-runtime.ts';
import type { ModelVersionRegistry } from '../../connectors/contracts/model-version-registry.ts';
import { createSubgraphServer, loadSubgraphTypeDefs, type SubgraphServer, type SubgraphSignatureOptions } from '../common/index.ts';
import type { ModelsContext } from './context.ts';
import type { DriftReportReader } from './drift-reports.ts';
import { modelsResolvers } from './resolvers.ts';

export { modelsResolvers, MODEL_NAMES } from './resolvers.ts';
export { MAX_BATCH } from './predict.ts';
export type { ModelsContext } from './context.ts';
export type { DriftReportReader } from './drift-reports.ts';

export interface ModelsSubgraphOptions {
  /** A started runtime. */
  readonly modelRuntime: ModelRuntime;
  readonly registry: ModelRegistry;
  /** A started ModelVersionRegistry: what `models`, `modelVersion` and `promoteModel` read and write. */
  readonly versions: ModelVersionRegistry;
  readonly logger: Logger;
  readonly port: number;
  readonly host?: string;
  readonly production?: boolean;
  /** The gateway's HMAC signature check (subgraphs/common/signature.ts). */
  readonly signature?: SubgraphSignatureOptions;
  /** Clock for inputs without `at` (tests fix it). */
  readonly now?: () => number;
  /** Drift reports of the lake (jobs/drift `lakeDriftReportReader`); absent: `driftReports` is empty. */
  readonly driftReports?: DriftReportReader;
}

/** Loads the Production version of every model in the registry that the runtime does not have yet. */
export async function loadProductionModels(runtime: ModelRuntime, registry: ModelRegistry): Promise<void> {
  const names = [...new Set(registry.cards().map((c) => c.name))];
  for (const name of names) {
    const card = registry.production(name);
    if (!card || runtime.loaded().some((c) => c.name === card.name && c.version === card.version)) continue;
    await runtime.load(card, registry.path(card));
  }
}

export async function startModelsSubgraph(opts: ModelsSubgraphOptions): Promise<SubgraphServer> {
  await loadProductionModels(opts.modelRuntime, opts.registry);
  const now = opts.now ?? Date.now;
  return createSubgraphServer<ModelsContext>({
    name: 'models',
    typeDefs: loadSubgraphTypeDefs('models'),
    resolvers: modelsResolvers(),
    context: (req) => ({ ...req, runtime: opts.modelRuntime, registry: opts.registry, versions: opts.versions, now, ...(opts.driftReports ? { driftReports: opts.driftReports } : {}) }),
    logger: opts.logger,
    port: opts.port,
    health: () => opts.modelRuntime.health(),
    ...(opts.host !== undefined ? { host: opts.host } : {}),
    ...(opts.production !== undefined ? { production: opts.production } : {}),
    ...(opts.signature !== undefined ? { signature: opts.signature } : {}),
  });
}
