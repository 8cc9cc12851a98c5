/**
 * The models subgraph with serving wired: versions by alias from the configured ModelVersionRegistry
 * (file in embedded, MLflow in services; seeded from models/registry.json when fresh), the prediction
 * log into the lake (ml.prediction_log), drift reports from the lake (ml.drift_reports), and online
 * quality from the fraud-labels topic with alerts.
 */
import path from 'node:path';
import type { Logger } from 'pino';
import { register as defaultRegistry } from 'prom-client';
import type { Connector } from '../connectors/contracts/connector.ts';
import type { LakeStore } from '../connectors/contracts/lake-store.ts';
import { loadModelRegistry } from '../connectors/onnx/index.ts';
import { openLake } from '../jobs/lake/delta/index.ts';
import { lakeDriftReportReader } from '../jobs/drift/drift-reports-table.ts';
import { createAlertSink } from '../jobs/orchestrator/alerts.ts';
import { fanOutSink, OnlineQuality, PredictionLogWriter } from '../jobs/prediction-log/index.ts';
import type { SubgraphServer, SubgraphSignatureOptions } from '../subgraphs/common/index.ts';
import { startModelsSubgraph } from '../subgraphs/models/index.ts';
import type { PlatformConfig } from './config.ts';
import { connectorRegistry, type PlatformConnectors } from './connectors.ts';
import { openModelVersionRegistry } from './model-version-registry.ts';

interface Common {
  readonly logger: Logger;
  readonly port: number;
  readonly host: string;
  readonly production: boolean;
  readonly signature: SubgraphSignatureOptions;
}

export async function startServingModelsSubgraph(common: Common, config: Readonly<PlatformConfig>, c: PlatformConnectors, logger: Logger): Promise<SubgraphServer> {
  const s = config.models.serving;
  const metrics = defaultRegistry;
  const cards = await loadModelRegistry(config.models.registry);
  const versions = await openModelVersionRegistry(config, { logger: logger.child({ connector: 'modelVersionRegistry' }), metrics });
  const undo: (() => Promise<void>)[] = [() => versions.close()];
  try {
    const alerts = createAlertSink({ log: c.eventLog, pubsub: c.pubSub, metrics, logger: logger.child({ component: 'alerts' }) });
    const quality = new OnlineQuality({ logger, metrics, alerts, ...s.quality });
    const labels = await quality.consume(c.eventLog, 'models-online-quality');
    undo.push(() => labels.stop());
    // a lakeStore instance of our own, so another job closing its store does not close ours
    const store = connectorRegistry().create<Connector>('lakeStore', config.connectors.lakeStore, { logger: logger.child({ connector: 'lakeStore' }), metrics }, 'connectors.lakeStore') as LakeStore;
    await store.start();
    undo.push(() => store.close());
    const lake = openLake(store, { scratchDir: path.join(config.dataDir, 'lake-scratch', 'prediction-log'), logger });
    undo.push(() => lake.close());
    let writer: PredictionLogWriter | undefined;
    if (s.predictionLog.enabled) {
      const { enabled: _e, ...o } = s.predictionLog;
      const w = new PredictionLogWriter({ lake, logger, metrics, ...o });
      w.start();
      undo.push(() => w.stop());
      writer = w;
    }
    const server = await startModelsSubgraph({
      ...common,
      modelRuntime: c.modelRuntime,
      registry: cards,
      versions,
      traffic: s.traffic,
      aliasPollMs: s.aliasPollMs,
      artifactDir: path.join(config.dataDir, 'model-cache'),
      predictionLog: writer ? fanOutSink(writer, quality) : quality,
      quality,
      metrics,
      driftReports: lakeDriftReportReader(lake),
    });
    const close = async (): Promise<void> => {
      await server.close();
      for (const u of undo.splice(0).reverse()) await u().catch((e: unknown) => logger.warn({ err: String(e) }, 'serving shutdown step failed'));
    };
    return { ...server, close, [Symbol.asyncDispose]: close };
  } catch (e) {
    for (const u of undo.splice(0).reverse()) await u().catch(() => undefined);
    throw e;
  }
}
