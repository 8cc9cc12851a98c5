/** `gofuture train-models [DIR]`: regenerates the ONNX models and their registry. */
import { parseCommon } from '../cli-support.ts';
import { trainInitialModels } from '../../jobs/training/train-initial-models.ts';

export async function run(argv: readonly string[]): Promise<void> {
  const dir = parseCommon(argv).positionals[0] ?? 'models';
  const trained = await trainInitialModels(dir);
  for (const t of trained) {
    const why = t.gateFailures.length > 0 ? ` (gate failed: ${t.gateFailures.join('; ')})` : '';
    process.stdout.write(`${t.card.name} v${t.card.version}: ${t.card.stage}${why}\n`);
  }
  process.stdout.write(`models written to ${dir}\n`);
}
