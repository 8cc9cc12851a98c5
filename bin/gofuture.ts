#!/usr/bin/env node
/**
 * The platform's command line. Each command is a module under bin/commands/ loaded only when it
 * runs, so `gofuture gateway` does not pay for the jobs and connectors and `--help` loads nothing.
 * To add a command: one entry in COMMANDS (usage lines, one-line summary, lazy import of a module
 * exporting `run(argv)`). Exits non-zero with one line on bad input (a config error names the key).
 */
import { errorMessage, isPlatformError } from '../schema/errors.ts';

export interface CommandModule {
  run(argv: readonly string[]): Promise<void>;
}

export interface Command {
  /** Usage lines, without the leading `gofuture `. */
  readonly usage: readonly string[];
  readonly summary: string;
  readonly load: () => Promise<CommandModule>;
}

const COMMON = '[--profile embedded|services] [--config FILE] [--data-dir DIR]';

export const COMMANDS: Readonly<Record<string, Command>> = {
  start: {
    usage: [`start ${COMMON} [--port N]`],
    summary: 'the whole platform: connectors, jobs, subgraphs and the gateway (in its own thread)',
    load: () => import('./commands/start.ts'),
  },
  gateway: {
    usage: [
      'gateway --supergraph FILE [--port N] [--host H] [--planner js|rust] [--production]',
      'gateway --subgraph NAME=URL [--subgraph NAME=URL ...] [--port N] [--host H] [--planner js|rust] [--production]',
    ],
    summary: 'the federated gateway alone over any Federation v2 supergraph (PORT env, default 4000)',
    load: () => import('./commands/gateway.ts'),
  },
  subgraph: {
    usage: [`subgraph <trips|payments|features|models|metrics|lake> [--port N] ${COMMON}`],
    summary: 'one subgraph alone on its port, with the connectors it needs',
    load: () => import('./commands/subgraph.ts'),
  },
  run: {
    usage: [`run <simulator|cdc|landing|features|aggregation|windows|orchestrator|bronze|saga|anomalies> ... ${COMMON}`],
    summary: 'only these background jobs in this process',
    load: () => import('./commands/run-jobs.ts'),
  },
  supergraph: {
    usage: [`supergraph --out FILE ${COMMON}`],
    summary: 'compose the supergraph from the running subgraphs and write it to FILE',
    load: () => import('./commands/supergraph.ts'),
  },
  pipeline: {
    usage: [
      `pipeline list ${COMMON}`,
      `pipeline run <dag> [--date YYYY-MM-DD] [--rerun failed|all] ${COMMON}`,
      `pipeline backfill <dag> --from YYYY-MM-DD --to YYYY-MM-DD [--retry-failed] ${COMMON}`,
      `pipeline status [<dag>] [--date YYYY-MM-DD] [--last N] ${COMMON}`,
    ],
    summary: 'the orchestrator: DAGs, one run, a resumable backfill, run history',
    load: () => import('./commands/pipeline.ts'),
  },
  features: {
    usage: [
      'features list',
      `features historical <view:feature|view>... (--ids ID,ID --at ISO | --entity-rows FILE) [--full-names] ${COMMON}`,
      `features materialize START END [--views a,b] ${COMMON}`,
      `features materialize --incremental [END] [--views a,b] ${COMMON}`,
    ],
    summary: 'the feature store: feature views, point-in-time (historical) values, materialisation to the online store',
    load: () => import('./commands/features.ts'),
  },
  train: {
    usage: [`train <surge_multiplier|fraud_score|demand_forecast|credit_default> [--candidates linear,random_forest,gradient_boosting] [--folds N] [--data FILE | --lake [--date YYYY-MM-DD] [--lookback-days N]] [--features serving|full] [--alias NAME] [--out DIR] ${COMMON}`],
    summary: 'cross-validate the candidates, pick the best, export ONNX and register a model version',
    load: () => import('./commands/train.ts'),
  },
  'train-models': {
    usage: ['train-models [DIR]'],
    summary: 'regenerate the ONNX models and their registry (default DIR: models)',
    load: () => import('./commands/train-models.ts'),
  },
  token: {
    usage: ['token --role bi|dashboard|service|admin [--role ...] [--sub NAME] [--ttl 1h] [--config FILE]'],
    summary: 'print a dev JWT (HS256, signed with GOFUTURE_JWT_SECRET / gateway.auth.jwtSecret)',
    load: () => import('./commands/token.ts'),
  },
  'api-key': {
    usage: ['api-key --id NAME --role bi|dashboard|service|admin [--role ...]'],
    summary: 'print a new API key and the hashed entry for gateway.auth.apiKeys',
    load: () => import('./commands/api-key.ts'),
  },
  persisted: {
    usage: ['persisted build <DIR> --out FILE'],
    summary: 'build the persisted-operations manifest (sha256 -> document) from the .graphql operations under DIR',
    load: () => import('./commands/persisted.ts'),
  },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  return [
    'usage: gofuture <command> [options]     (gofuture help <command>, gofuture <command> --help)',
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    ...Object.values(COMMANDS).flatMap((c) => c.usage.map((u) => `  gofuture ${u}`)),
  ].join('\n');
}

export function commandUsage(name: string, command: Command): string {
  return [`${name}: ${command.summary}`, ...command.usage.map((u, i) => `${i === 0 ? 'usage: ' : '       '}gofuture ${u}`)].join('\n');
}

const isHelp = (a: string | undefined): boolean => a === '--help' || a === '-h' || a === 'help';

async function main(argv: readonly string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || isHelp(name)) {
    const topic = rest[0] !== undefined ? COMMANDS[rest[0]] : undefined;
    process.stdout.write(`${topic && rest[0] ? commandUsage(rest[0], topic) : usage()}\n`);
    return;
  }
  const command = COMMANDS[name];
  if (!command) throw new Error(`unknown command "${name}"\n${usage()}`);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${commandUsage(name, command)}\n`);
    return;
  }
  const mod = await command.load();
  await mod.run(rest);
}

if (import.meta.main) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    const code = isPlatformError(e) ? `${e.code}: ` : '';
    process.stderr.write(`gofuture: ${code}${errorMessage(e)}\n`);
    process.exit(isPlatformError(e) && e.code === 'CONFIG_INVALID' ? 78 : 1);
  });
}
