/**
 * A ModelVersionRegistry seeded from the read-only ModelRegistry (models/registry.json): an
 * in-memory registry (connectors/embedded/memory-model-registry.ts) holding every card as a version
 * with its ONNX file as the `model.onnx` artifact, and each Production card as `champion`. It lets
 * the embedded profile serve champions by alias (and promote within the process) until the file
 * registry is configured; nothing registered here survives the process.
 */
import { readFile } from 'node:fs/promises';
import type { ModelRegistry } from '../contracts/model-registry.ts';
import type { ModelVersionRegistry } from '../contracts/model-version-registry.ts';
import { createMemoryModelRegistry } from '../embedded/memory-model-registry.ts';
import { compareVersions } from './file-model-registry.ts';

export async function seedMemoryModelRegistry(cards: ModelRegistry, now: () => number = Date.now): Promise<ModelVersionRegistry> {
  const registry = createMemoryModelRegistry(undefined, now);
  const byModel = new Map<string, ReturnType<ModelRegistry['cards']>[number][]>();
  for (const c of cards.cards()) byModel.set(c.name, [...(byModel.get(c.name) ?? []), c]);
  for (const [name, list] of byModel) {
    for (const card of [...list].sort((a, b) => compareVersions(a.version, b.version))) {
      const v = await registry.createVersion({
        name,
        flavor: 'onnx',
        featureNames: card.featureNames,
        outputNames: card.outputNames,
        params: { source_version: card.version },
        metrics: card.metrics,
        baselines: {},
        lineage: { tables: [], featureViews: [], codeVersion: 'unknown' },
        description: card.description,
        artifacts: { 'model.onnx': new Uint8Array(await readFile(cards.path(card))) },
        tags: { source: 'models/registry.json', source_version: card.version },
      });
      if (card.stage === 'Production' && cards.production(name)?.version === card.version) await registry.setAlias(name, 'champion', v.version);
    }
  }
  return registry;
}
