/**
 * The models subgraph: runs alone on its own port (startModelsSubgraph) or is composed by bin/.
 * At start, serving loads every model's `champion` (and `challenger`) from the ModelVersionRegistry
 * and then polls the aliases, swapping versions without dropping a request (serving/served-models.ts).
 */
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ModelRegistry } from '../../connectors/contracts/model-registry.ts';
import type { ModelRuntime } from '../../connectors/contracts/model-runtime.ts';
import type { ModelVersionRegistry } from '../../connectors/contracts/model-version-registry.ts';
import type { ModelQualitySource } from '../../schema/ml/model-quality.ts';
import type { PredictionSink } from '../../schema/ml/prediction-log.ts';
import { createSubgraphServer, loadSubgraphTypeDefs, type SubgraphServer, type SubgraphSignatureOptions } from '../common/index.ts';
import type { ModelsContext } from './context.ts';
import type { DriftReportReader } from './drift-reports.ts';
import { modelsResolvers } from './resolvers.ts';
import { createModelServing, type ModelServing } from './serving/model-serving.ts';
import { ServedModels } from './serving/served-models.ts';
import type { TrafficPolicies } from './serving/traffic-policy.ts';

export { modelsResolvers, MODEL_NAMES } from './resolvers.ts';
export { MAX_BATCH } from './predict.ts';
export type { ModelsContext } from './context.ts';
export type { DriftReportReader } from './drift-reports.ts';
export { TrafficPoliciesSchema, TrafficPolicySchema, bucketOf, type TrafficPolicies, type TrafficPolicy } from './serving/traffic-policy.ts';
export { ServedModels } from './serving/served-models.ts';

/** Default alias poll interval of serving (ms). */
export const DEFAULT_ALIAS_POLL_MS = 5000;

export interface ModelsSubgraphOptions {
  /** A started runtime. */
  readonly modelRuntime: ModelRuntime;
  /** The model cards of models/registry.json (Query.models / model). */
  readonly registry: ModelRegistry;
  /** A started ModelVersionRegistry: what `models`, `modelVersion` and `promoteModel` read and write. */
  readonly versions: ModelVersionRegistry;
  /** Traffic policy per model (canary weight, shadow); default champion only. */
  readonly traffic?: TrafficPolicies;
  /** Alias poll interval in ms (0: no polling); default DEFAULT_ALIAS_POLL_MS. */
  readonly aliasPollMs?: number;
  /** Where artifacts are written for the runtime; default a folder under the OS temp dir. */
  readonly artifactDir?: string;
  /** The prediction log (jobs/prediction-log); default none. */
  readonly predictionLog?: PredictionSink;
  /** Online quality (Query.modelQuality); default none (null answers). */
  readonly quality?: ModelQualitySource;
  /** Counters of served rows by variant. */
  readonly metrics?: Registry;
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

export interface ModelsSubgraph extends SubgraphServer {
  readonly serving: ModelServing;
}

export async function startModelsSubgraph(opts: ModelsSubgraphOptions): Promise<ModelsSubgraph> {
  const now = opts.now ?? Date.now;
  const served = new ServedModels({
    registry: opts.versions,
    runtime: opts.modelRuntime,
    artifactDir: opts.artifactDir ?? path.join(tmpdir(), `gofuture-served-models-${process.pid}`),
    logger: opts.logger,
    pollMs: opts.aliasPollMs ?? DEFAULT_ALIAS_POLL_MS,
  });
  await served.start();
  const serving = createModelServing({
    models: served,
    ...(opts.traffic ? { policies: opts.traffic } : {}),
    ...(opts.predictionLog ? { sink: opts.predictionLog } : {}),
    ...(opts.quality ? { quality: opts.quality } : {}),
    ...(opts.metrics ? { metrics: opts.metrics } : {}),
  });
  let server: SubgraphServer;
  try {
    server = await createSubgraphServer<ModelsContext>({
      name: 'models',
      typeDefs: loadSubgraphTypeDefs('models'),
      resolvers: modelsResolvers(),
      context: (req) => ({ ...req, runtime: opts.modelRuntime, registry: opts.registry, versions: opts.versions, serving, now, ...(opts.driftReports ? { driftReports: opts.driftReports } : {}) }),
      logger: opts.logger,
      port: opts.port,
      health: () => opts.modelRuntime.health(),
      ...(opts.host !== undefined ? { host: opts.host } : {}),
      ...(opts.production !== undefined ? { production: opts.production } : {}),
      ...(opts.signature !== undefined ? { signature: opts.signature } : {}),
    });
  } catch (e) {
    await served.close();
    throw e;
  }
  const close = async (): Promise<void> => {
    await server.close();
    await served.close();
  };
  return { ...server, serving, close, [Symbol.asyncDispose]: close };
}
