/**
 * Fills a ModelVersionRegistry with the committed models of models/registry.json (the read-only
 * ModelRegistry's model cards), so a fresh registry has champions: every model the registry does
 * not hold yet gets one version per card (in version order) with its ONNX file, and its highest
 * Production card becomes `champion` (gate checked, so stage Production follows). Models already
 * registered are left alone. The card's metrics split into metrics and baselines by name.
 */
import { readFile } from 'node:fs/promises';
import type { ModelRegistry } from '../contracts/model-registry.ts';
import type { ModelCard } from '../contracts/model-runtime.ts';
import type { ModelVersionRegistry } from '../contracts/model-version-registry.ts';
import { compareVersions, loadModelRegistry } from '../onnx/file-model-registry.ts';
import { CHAMPION } from './model-version-rules.ts';

/** Card metrics that are the naive baselines a gate compares with, not the model's own. */
const BASELINE = /^(baseline_|rules_|persistence_|majority_|mean_)/;

const FLAVORS: readonly [RegExp, string][] = [
  [/logistic regression/i, 'logistic_regression'],
  [/gradient boost/i, 'gradient_boosting'],
  [/random forest/i, 'random_forest'],
  [/least squares|linear regression/i, 'linear_regression'],
];

export function splitCardMetrics(metrics: Readonly<Record<string, number>>): { metrics: Record<string, number>; baselines: Record<string, number> } {
  const own: Record<string, number> = {};
  const baselines: Record<string, number> = {};
  for (const [k, v] of Object.entries(metrics)) (BASELINE.test(k) ? baselines : own)[k] = v;
  return { metrics: own, baselines };
}

export function flavorOf(card: Pick<ModelCard, 'description'>): string {
  return FLAVORS.find(([re]) => re.test(card.description))?.[1] ?? 'onnx';
}

/** Seeds from a models/registry.json file; returns the names of the models it registered. */
export async function seedModelVersions(registry: ModelVersionRegistry, registryJson: string): Promise<string[]> {
  return seedFromCards(registry, await loadModelRegistry(registryJson));
}

/** Seeds from the read-only registry's model cards; returns the names of the models it registered. */
export async function seedFromCards(registry: ModelVersionRegistry, cards: ModelRegistry): Promise<string[]> {
  const present = new Set(await registry.models());
  const byName = new Map<string, ModelCard[]>();
  for (const c of cards.cards()) byName.set(c.name, [...(byName.get(c.name) ?? []), c]);
  const added: string[] = [];
  for (const [name, list] of byName) {
    if (present.has(name)) continue;
    let champion: string | undefined;
    for (const card of [...list].sort((a, b) => compareVersions(a.version, b.version))) {
      const { metrics, baselines } = splitCardMetrics(card.metrics);
      const v = await registry.createVersion({
        name,
        flavor: flavorOf(card),
        featureNames: card.featureNames,
        outputNames: card.outputNames,
        params: {},
        metrics,
        baselines,
        lineage: { tables: [], featureViews: [], codeVersion: 'unknown', dataTo: card.trainedAt },
        description: card.description,
        artifacts: { 'model.onnx': new Uint8Array(await readFile(cards.path(card))) },
        tags: { source: 'models/registry.json', card_version: card.version, trained_at: card.trainedAt },
      });
      if (card.stage === 'Production') champion = v.version;
      else if (card.stage !== 'None') await registry.setStage(name, v.version, card.stage);
    }
    if (champion !== undefined) await registry.setAlias(name, CHAMPION, champion);
    added.push(name);
  }
  return added;
}
