/** `gofuture supergraph --out FILE`: composes the supergraph from the running subgraphs. */
import { loadConfig } from '../config.ts';
import { parseCommon } from '../cli-support.ts';
import { createLogger } from '../logger.ts';
import { writeSupergraph } from '../platform.ts';

export async function run(argv: readonly string[]): Promise<void> {
  const { out, sources } = parseCommon(argv);
  if (!out) throw new Error('supergraph: --out FILE is required');
  const config = loadConfig(sources);
  await writeSupergraph(config, out, createLogger(config.logLevel));
}
