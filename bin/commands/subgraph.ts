/** `gofuture subgraph NAME`: one subgraph alone on its port, with the connectors it needs. */
import { loadConfig, SUBGRAPH_NAMES, type SubgraphName } from '../config.ts';
import { parseCommon, onSignals } from '../cli-support.ts';
import { createLogger } from '../logger.ts';
import { startSingleSubgraph } from '../platform.ts';

export async function run(argv: readonly string[]): Promise<void> {
  const { port, positionals, sources } = parseCommon(argv);
  const name = positionals[0];
  if (!name || !(SUBGRAPH_NAMES as readonly string[]).includes(name)) throw new Error(`subgraph: name must be one of ${SUBGRAPH_NAMES.join(', ')}`);
  const sg = name as SubgraphName;
  const config = loadConfig({ ...sources, overrides: { ...sources.overrides, ...(port !== undefined ? { subgraphs: { [sg]: port } } : {}) } });
  const logger = createLogger(config.logLevel, 'gofuture', config.tracing.enabled);
  const running = await startSingleSubgraph(config, sg, logger);
  logger.info({ url: running.url }, `subgraph ${sg} ready`);
  onSignals(() => running.stop(), logger);
}
