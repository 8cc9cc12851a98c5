/**
 * A read-only ModelVersionRegistry over the read-only ModelRegistry (models/registry.json), for a
 * models subgraph started without a version registry (tests, older callers): each model's
 * Production card is its `champion`, no challenger. Writes are refused: promote through a real
 * registry (bin/ seeds an in-memory one from the same file; connectors/onnx/seeded-model-registry.ts).
 */
import { readFile } from 'node:fs/promises';
import type { ModelRegistry } from '../../../connectors/contracts/model-registry.ts';
import type { ModelCard } from '../../../connectors/contracts/model-runtime.ts';
import type { ModelVersionInfo, ModelVersionRegistry } from '../../../connectors/contracts/model-version-registry.ts';
import { PlatformError } from '../../../schema/errors.ts';

function infoOf(card: ModelCard, champion: boolean): ModelVersionInfo {
  return {
    name: card.name,
    version: card.version,
    stage: card.stage,
    aliases: champion ? ['champion'] : [],
    flavor: 'onnx',
    featureNames: card.featureNames,
    outputNames: card.outputNames,
    params: {},
    metrics: card.metrics,
    baselines: {},
    lineage: { tables: [], featureViews: [], codeVersion: 'unknown' },
    description: card.description,
    createdAt: card.trainedAt,
    artifactPaths: ['model.onnx'],
  };
}

export function cardRegistryView(cards: ModelRegistry): ModelVersionRegistry {
  const find = (name: string, version: string): ModelCard => {
    const c = cards.cards().find((x) => x.name === name && x.version === version);
    if (!c) throw new PlatformError('MODEL_NOT_FOUND', `model ${name} version ${version} is not registered`, { model: `${name}@${version}` });
    return c;
  };
  const isChampion = (c: ModelCard): boolean => cards.production(c.name)?.version === c.version;
  const readOnly = (): never => {
    throw new PlatformError('MODEL_RUN_FAILED', 'this model registry is read-only (models/registry.json); configure a model version registry to register or promote', {});
  };
  return {
    capability: 'modelVersionRegistry',
    kind: 'card-view',
    features: new Set(),
    async start() {},
    async health() { return { ok: true, detail: `${cards.cards().length} card(s), read-only` }; },
    async close() {},
    async [Symbol.asyncDispose]() {},
    createVersion: readOnly,
    setAlias: readOnly,
    deleteAlias: readOnly,
    setStage: readOnly,
    async models() { return [...new Set(cards.cards().map((c) => c.name))].sort(); },
    async versions(name) { return cards.cards().filter((c) => c.name === name).map((c) => infoOf(c, isChampion(c))); },
    async version(name, version) { const c = find(name, version); return infoOf(c, isChampion(c)); },
    async byAlias(name, alias) {
      const c = alias === 'champion' ? cards.production(name) : undefined;
      return c ? infoOf(c, true) : undefined;
    },
    async artifact(name, version, path) {
      if (path !== 'model.onnx') throw new PlatformError('MODEL_NOT_FOUND', `model ${name} version ${version} has no artifact ${path}`, { model: `${name}@${version}` });
      return new Uint8Array(await readFile(cards.path(find(name, version))));
    },
  };
}
