/** A models subgraph serving from an in-memory ModelVersionRegistry (the committed ONNX models as versions), for serving tests. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { ModelRegistry } from '../../../connectors/contracts/model-registry.ts';
import type { ModelCard } from '../../../connectors/contracts/model-runtime.ts';
import type { ModelVersionRegistry } from '../../../connectors/contracts/model-version-registry.ts';
import { createMemoryModelRegistry } from '../../../connectors/embedded/memory-model-registry.ts';
import { loadModelRegistry } from '../../../connectors/onnx/file-model-registry.ts';
import { createOnnxModelRuntime, type OnnxModelRuntime } from '../../../connectors/onnx/onnx-model-runtime.ts';
import type { ModelQualitySource } from '../../../schema/ml/model-quality.ts';
import type { PredictionRecord, PredictionSink } from '../../../schema/ml/prediction-log.ts';
import { startModelsSubgraph, type ModelsSubgraph, type TrafficPolicies } from '../../../subgraphs/models/index.ts';
import { MODELS_DIR } from '../../conformance/model-runtime.suite.ts';

export const silent = pino({ level: 'silent' });

/** A sink that keeps what it is given. */
export function recordingSink(): PredictionSink & { readonly records: PredictionRecord[] } {
  const records: PredictionRecord[] = [];
  return { records, write: (r) => { records.push(...r); } };
}

export interface ServingFixture {
  readonly cards: ModelRegistry;
  readonly versions: ModelVersionRegistry;
  readonly runtime: OnnxModelRuntime;
  readonly metrics: Registry;
  readonly server: ModelsSubgraph;
  readonly sink: ReturnType<typeof recordingSink>;
  /** Registers another version of a committed model (same ONNX file), with extra metrics. */
  addVersion(model: string, metrics?: Readonly<Record<string, number>>): Promise<string>;
  close(): Promise<void>;
}

export async function servingFixture(o: {
  readonly traffic?: TrafficPolicies;
  readonly challenger?: readonly string[];
  readonly quality?: ModelQualitySource & PredictionSink;
  readonly runtime?: { batchWindowMs?: number; batchMaxRows?: number };
  readonly now?: () => number;
} = {}): Promise<ServingFixture> {
  const metrics = new Registry();
  const runtime = createOnnxModelRuntime(o.runtime ?? {}, { logger: silent, metrics });
  await runtime.start();
  const cards = await loadModelRegistry(join(MODELS_DIR, 'registry.json'));
  const versions = createMemoryModelRegistry();
  const card = (model: string): ModelCard => {
    const c = cards.production(model);
    if (!c) throw new Error(`no card ${model}`);
    return c;
  };
  const addVersion = async (model: string, extra: Readonly<Record<string, number>> = {}): Promise<string> => {
    const c = card(model);
    const v = await versions.createVersion({
      name: model, flavor: 'onnx', featureNames: c.featureNames, outputNames: c.outputNames, params: {}, metrics: { ...c.metrics, ...extra }, baselines: {},
      lineage: { tables: [], featureViews: [], codeVersion: 'test' }, description: c.description,
      artifacts: { 'model.onnx': new Uint8Array(readFileSync(cards.path(c))) },
    });
    return v.version;
  };
  for (const c of cards.cards()) await versions.setAlias(c.name, 'champion', await addVersion(c.name));
  for (const m of o.challenger ?? []) await versions.setAlias(m, 'challenger', await addVersion(m));
  const artifactDir = mkdtempSync(join(tmpdir(), 'gofuture-serving-test-'));
  const sink = recordingSink();
  const server = await startModelsSubgraph({
    modelRuntime: runtime, registry: cards, versions, logger: silent, port: 0, metrics, artifactDir, aliasPollMs: 0,
    ...(o.traffic ? { traffic: o.traffic } : {}),
    predictionLog: o.quality ? { write: (r) => { sink.write(r); o.quality?.write(r); } } : sink,
    ...(o.quality ? { quality: o.quality } : {}),
    ...(o.now ? { now: o.now } : {}),
  });
  return {
    cards, versions, runtime, metrics, server, sink, addVersion,
    close: async () => {
      await server.close();
      await runtime.close();
      rmSync(artifactDir, { recursive: true, force: true });
    },
  };
}
