/** `gofuture train-models [DIR]`: regenerates the ONNX models and their registry. */
import { parseCommon } from '../cli-support.ts';
import { trainInitialModels } from '../../jobs/training/train-initial-models.ts';

export async function run(argv: readonly string[]): Promise<void> {
  const dir = parseCommon(argv).positionals[0] ?? 'models';
  await trainInitialModels(dir);
  process.stdout.write(`models written to ${dir}\n`);
}
