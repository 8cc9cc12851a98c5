/**
 * Trains the first version of every model and writes the artifacts the platform ships with:
 * `<outDir>/<name>/<version>/model.onnx` and `<outDir>/registry.json` (ModelCard[]).
 * Regenerate the committed models: `node jobs/training/train-initial-models.ts models`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { ModelCard } from '../../connectors/contracts/model-runtime.ts';
import { TRAINING_SPECS } from './model-specs.ts';
import { trainModel, type TrainedModel } from './train-model.ts';

export interface TrainInitialOptions {
  /** Defaults to now. Everything else in the output is a pure function of the code. */
  readonly trainedAt?: string;
}

export const INITIAL_VERSION = '1';

export async function trainInitialModels(outDir: string, options: TrainInitialOptions = {}): Promise<readonly TrainedModel[]> {
  const trainedAt = options.trainedAt ?? new Date().toISOString();
  const trained = TRAINING_SPECS.map((spec) => trainModel(spec, { version: INITIAL_VERSION, trainedAt }));
  for (const t of trained) {
    const file = join(outDir, t.card.file);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, t.onnx);
  }
  const cards: ModelCard[] = trained.map((t) => t.card);
  await writeFile(join(outDir, 'registry.json'), `${JSON.stringify(cards, null, 2)}\n`);
  return trained;
}

if (import.meta.main) {
  const outDir = resolve(process.argv[2] ?? 'models');
  const trained = await trainInitialModels(outDir);
  for (const t of trained) {
    const why = t.gateFailures.length > 0 ? ` gate failed: ${t.gateFailures.join('; ')}` : '';
    process.stdout.write(`${t.card.name} v${t.card.version} ${t.card.stage}${why}: ${JSON.stringify(t.card.metrics)}\n`);
  }
  process.stdout.write(`wrote ${trained.length} models and registry.json to ${outDir}\n`);
}
