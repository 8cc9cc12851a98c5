/** `gofuture run JOB...`: only these background jobs in this process (no subgraphs, no gateway). */
import { JOB_NAMES, loadConfig, type JobName } from '../config.ts';
import { parseCommon, onSignals } from '../cli-support.ts';
import { createLogger } from '../logger.ts';
import { startJobsOnly } from '../platform.ts';

export async function run(argv: readonly string[]): Promise<void> {
  const { positionals, sources } = parseCommon(argv);
  const unknown = positionals.filter((p) => !(JOB_NAMES as readonly string[]).includes(p));
  if (positionals.length === 0 || unknown.length > 0) throw new Error(`run: jobs must be among ${JOB_NAMES.join(', ')}${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}`);
  const config = loadConfig({ ...sources, overrides: { ...sources.overrides, jobs: positionals as JobName[] } });
  const logger = createLogger(config.logLevel);
  const running = await startJobsOnly(config, logger);
  logger.info({ jobs: config.jobs }, `jobs running: ${config.jobs.join(', ')}`);
  onSignals(() => running.stop(), logger);
}
