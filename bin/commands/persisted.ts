/**
 * `gofuture persisted build <DIR> --out FILE`: every `.graphql` operation under DIR (one operation
 * per file, its fragments alongside) into a persisted-operations manifest (sha256 -> document) for
 * `gateway.persistedOperations.manifest`.
 */
import { writeFile } from 'node:fs/promises';
import { parseCommon } from '../cli-support.ts';
import { buildPersistedManifest } from '../../gateway/plugins/persisted-operations.ts';

export async function run(argv: readonly string[]): Promise<void> {
  const { out, positionals } = parseCommon(argv);
  const [sub, dir] = positionals;
  if (sub !== 'build' || !dir) throw new Error('usage: gofuture persisted build <DIR> --out FILE');
  if (!out) throw new Error('persisted build: --out FILE is required');
  const manifest = await buildPersistedManifest(dir);
  await writeFile(out, `${JSON.stringify(manifest, null, 2)}\n`);
  process.stdout.write(`${Object.keys(manifest).length} persisted operations written to ${out}\n`);
}
