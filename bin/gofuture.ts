#!/usr/bin/env node
/**
 * The platform's command line: start | gateway | subgraph | supergraph | train-models.
 * Exits non-zero with one line on bad input (a config error names the key).
 */
import { parseArgs } from 'node:util';
import { errorMessage, isPlatformError } from '../schema/errors.ts';
import { JOB_NAMES, loadConfig, SUBGRAPH_NAMES, type JobName, type SubgraphName } from './config.ts';
import { createLogger } from './logger.ts';
import { startJobsOnly, startPlatform, startSingleSubgraph, writeSupergraph } from './platform.ts';
import { runGatewayCli } from '../gateway/cli.ts';
import { trainInitialModels } from '../jobs/training/train-initial-models.ts';

const USAGE = `usage:
  gofuture start [--profile embedded|services] [--config FILE] [--port N] [--data-dir DIR]
  gofuture gateway (--supergraph FILE | --subgraph NAME=URL ...) [--port N]
  gofuture subgraph <${SUBGRAPH_NAMES.join('|')}> [--port N] [--profile P] [--config FILE] [--data-dir DIR]
  gofuture run <${JOB_NAMES.join('|')}> ... [--profile P] [--config FILE] [--data-dir DIR]
  gofuture supergraph --out FILE [--profile P] [--config FILE]
  gofuture train-models [DIR]`;

const commonOptions = {
  profile: { type: 'string' },
  config: { type: 'string' },
  port: { type: 'string' },
  'data-dir': { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parsePort(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--${flag} must be a port number (0-65535), got "${v}"`);
  return n;
}

/** Stops `stop` once on SIGINT/SIGTERM; a second signal forces the exit. */
function onSignals(stop: () => Promise<void>, logger: { info: (o: object, m: string) => void; error: (o: object, m: string) => void }): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.exit(130);
    }
    stopping = true;
    logger.info({ signal }, 'stopping');
    stop().then(
      () => process.exit(0),
      (e: unknown) => {
        logger.error({ err: errorMessage(e) }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'gateway') {
    await runGatewayCli(rest);
    return;
  }
  const { values, positionals } = parseArgs({ args: rest, options: commonOptions, allowPositionals: true, strict: true });
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const port = parsePort(values.port, 'port');
  const sources = {
    ...(values.profile ? { profile: values.profile } : {}),
    ...(values.config ? { file: values.config } : {}),
    overrides: { ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}) },
  };
  switch (command) {
    case 'start': {
      const config = loadConfig({ ...sources, overrides: { ...sources.overrides, ...(port !== undefined ? { gateway: { port } } : {}) } });
      const logger = createLogger(config.logLevel);
      const platform = await startPlatform(config, logger);
      logger.info({ gateway: platform.gatewayUrl, subgraphs: platform.subgraphUrls }, `GoFuture data API ready: ${platform.gatewayUrl}`);
      onSignals(() => platform.stop(), logger);
      return;
    }
    case 'subgraph': {
      const name = positionals[0];
      if (!name || !(SUBGRAPH_NAMES as readonly string[]).includes(name)) throw new Error(`subgraph: name must be one of ${SUBGRAPH_NAMES.join(', ')}`);
      const sg = name as SubgraphName;
      const config = loadConfig({ ...sources, overrides: { ...sources.overrides, ...(port !== undefined ? { subgraphs: { [sg]: port } } : {}) } });
      const logger = createLogger(config.logLevel);
      const running = await startSingleSubgraph(config, sg, logger);
      logger.info({ url: running.url }, `subgraph ${sg} ready`);
      onSignals(() => running.stop(), logger);
      return;
    }
    case 'run': {
      const unknown = positionals.filter((p) => !(JOB_NAMES as readonly string[]).includes(p));
      if (positionals.length === 0 || unknown.length > 0) throw new Error(`run: jobs must be among ${JOB_NAMES.join(', ')}${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}`);
      const config = loadConfig({ ...sources, overrides: { ...sources.overrides, jobs: positionals as JobName[] } });
      const logger = createLogger(config.logLevel);
      const running = await startJobsOnly(config, logger);
      logger.info({ jobs: config.jobs }, `jobs running: ${config.jobs.join(', ')}`);
      onSignals(() => running.stop(), logger);
      return;
    }
    case 'supergraph': {
      if (!values.out) throw new Error('supergraph: --out FILE is required');
      const config = loadConfig(sources);
      await writeSupergraph(config, values.out, createLogger(config.logLevel));
      return;
    }
    case 'train-models': {
      const dir = positionals[0] ?? 'models';
      const trained = await trainInitialModels(dir);
      for (const t of trained) {
        const why = t.gateFailures.length > 0 ? ` (gate failed: ${t.gateFailures.join('; ')})` : '';
        process.stdout.write(`${t.card.name} v${t.card.version}: ${t.card.stage}${why}\n`);
      }
      process.stdout.write(`models written to ${dir}\n`);
      return;
    }
    default:
      throw new Error(`unknown command "${command}"\n${USAGE}`);
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  const code = isPlatformError(e) ? `${e.code}: ` : '';
  process.stderr.write(`gofuture: ${code}${errorMessage(e)}\n`);
  process.exit(isPlatformError(e) && e.code === 'CONFIG_INVALID' ? 78 : 1);
});
