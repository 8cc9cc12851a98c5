/** `gofuture start`: the whole platform (connectors, jobs, subgraphs, the gateway in its own thread). */
import { loadConfig } from '../config.ts';
import { parseCommon, onSignals } from '../cli-support.ts';
import { createLogger } from '../logger.ts';
import { startPlatform } from '../platform.ts';

export async function run(argv: readonly string[]): Promise<void> {
  const { port, sources } = parseCommon(argv);
  const config = loadConfig({ ...sources, overrides: { ...sources.overrides, ...(port !== undefined ? { gateway: { port } } : {}) } });
  const logger = createLogger(config.logLevel, 'gofuture', config.tracing.enabled);
  const platform = await startPlatform(config, logger);
  logger.info({ gateway: platform.gatewayUrl, subgraphs: platform.subgraphUrls }, `GoFuture data API ready: ${platform.gatewayUrl}`);
  onSignals(() => platform.stop(), logger);
}
