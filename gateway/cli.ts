/**
 * The gateway's command line:
 *   gateway --supergraph FILE [--port N] [--host H] [--planner js|rust] [--production]
 *   gateway --subgraph name=url [--subgraph name=url ...] [--port N] ...
 * `--port` wins over the PORT env var; the default is 4000. NODE_ENV=production implies
 * --production. A bad flag is a CONFIG_INVALID error naming it. The gateway runs in its own
 * worker thread behind a front door (thread.ts): this module loads only node:http and the front,
 * so `/health` answers while the thread still loads the runtime (`/graphql` answers 503 until then).
 */
import { pino, type Logger } from 'pino';
import { PlatformError, errorMessage } from '../schema/errors.ts';
import type { SubgraphEndpoint } from './compose.ts';
import type { PlannerKind, RunningGateway, SupergraphSource } from './server.ts';
import { startGatewayThread } from './thread.ts';
import { authConfigFromEnv, type GatewayAuthConfig } from './plugins/auth-config.ts';
import { tracingConfigFromEnv, type TracingInput } from './plugins/tracing-config.ts';

export interface GatewayCliOptions {
  readonly supergraph: SupergraphSource;
  readonly port: number;
  readonly host: string;
  readonly planner: PlannerKind;
  readonly production: boolean;
  /** From GOFUTURE_JWT_SECRET, GOFUTURE_JWKS, GOFUTURE_JWT_ISSUER, GOFUTURE_JWT_AUDIENCE, GOFUTURE_HMAC_SECRET. */
  readonly auth?: GatewayAuthConfig;
  /** From OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME, OTEL_SDK_DISABLED (docs/operations.md). */
  readonly tracing?: TracingInput;
}

export const GATEWAY_USAGE = [
  'usage: gateway --supergraph FILE [options]',
  '       gateway --subgraph name=url [--subgraph name=url ...] [options]',
  'options: --port N (or PORT env, default 4000)  --host H (default 127.0.0.1)',
  '         --planner js|rust (default js)  --production (or NODE_ENV=production)',
  'auth:    GOFUTURE_JWT_SECRET, GOFUTURE_JWKS (file or URL), GOFUTURE_JWT_ISSUER, GOFUTURE_JWT_AUDIENCE,',
  '         GOFUTURE_HMAC_SECRET (production needs auth and the HMAC secret)',
].join('\n');

const VALUE_FLAGS = new Set(['--supergraph', '--subgraph', '--port', '--host', '--planner']);
const BOOLEAN_FLAGS = new Set(['--production']);

function bad(flag: string, message: string): PlatformError {
  return new PlatformError('CONFIG_INVALID', `gateway: ${flag} ${message}\n${GATEWAY_USAGE}`, { flag });
}

function parsePort(flag: string, raw: string): number {
  if (!/^\d{1,5}$/.test(raw) || Number(raw) > 65535) throw bad(flag, `expects a port number 0-65535, got "${raw}"`);
  return Number(raw);
}

function parseSubgraph(raw: string): SubgraphEndpoint {
  const eq = raw.indexOf('=');
  const name = raw.slice(0, eq);
  const url = raw.slice(eq + 1);
  if (eq <= 0 || url === '') throw bad('--subgraph', `expects name=url, got "${raw}"`);
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    throw bad('--subgraph', `has an invalid http(s) url for "${name}": "${url}"`);
  }
  return { name, url };
}

/** Parses the arguments after the command name (e.g. `process.argv.slice(2)`). */
export function parseGatewayArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env): GatewayCliOptions {
  let supergraphFile: string | undefined;
  const subgraphs: SubgraphEndpoint[] = [];
  let port: number | undefined;
  let host = '127.0.0.1';
  let planner: PlannerKind = 'js';
  let production = env['NODE_ENV'] === 'production';

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (BOOLEAN_FLAGS.has(flag)) {
      if (eq > 0) throw bad(flag, 'takes no value');
      production = true;
      continue;
    }
    if (!VALUE_FLAGS.has(flag)) {
      throw bad(arg.startsWith('-') ? flag : `"${arg}"`, arg.startsWith('-') ? 'is not a known flag' : 'is not a flag (values follow their flag)');
    }
    let value: string | undefined;
    if (eq > 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw bad(flag, 'needs a value');
      i++;
    }
    if (value === '') throw bad(flag, 'needs a value');
    switch (flag) {
      case '--supergraph':
        if (supergraphFile !== undefined) throw bad(flag, 'given twice');
        supergraphFile = value;
        break;
      case '--subgraph': {
        const s = parseSubgraph(value);
        if (subgraphs.some((x) => x.name === s.name)) throw bad(flag, `names "${s.name}" twice`);
        subgraphs.push(s);
        break;
      }
      case '--port':
        port = parsePort(flag, value);
        break;
      case '--host':
        host = value;
        break;
      case '--planner':
        if (value !== 'js' && value !== 'rust') throw bad(flag, `expects js or rust, got "${value}"`);
        planner = value;
        break;
    }
  }

  if (supergraphFile !== undefined && subgraphs.length > 0) throw bad('--supergraph', 'and --subgraph cannot be used together');
  if (supergraphFile === undefined && subgraphs.length === 0) throw bad('--supergraph FILE or --subgraph name=url', 'is required');
  const envPort = env['PORT'];
  if (port === undefined && envPort !== undefined && envPort !== '') port = parsePort('PORT (env)', envPort);

  const supergraph: SupergraphSource =
    supergraphFile !== undefined ? { kind: 'file', path: supergraphFile } : { kind: 'subgraphs', subgraphs };
  const auth = authConfigFromEnv(env);
  const tracing = tracingConfigFromEnv(env);
  return Object.freeze({ supergraph, port: port ?? 4000, host, planner, production, ...(Object.keys(auth).length > 0 ? { auth } : {}), ...(Object.keys(tracing).length > 0 ? { tracing } : {}) });
}

/**
 * Starts the gateway from the command line and stops it cleanly on SIGINT / SIGTERM (a second
 * signal while stopping exits at once). Resolves with the running gateway.
 */
export async function runGatewayCli(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
  logger: Logger = pino({ name: 'gateway', level: env['LOG_LEVEL'] ?? 'info' }),
): Promise<RunningGateway> {
  const { port, host, ...data } = parseGatewayArgs(argv, env);
  const gateway = await startGatewayThread({ gateway: data, port, host, logger });
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal while stopping: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'stopping the gateway');
    gateway.close().then(
      () => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      },
      (e: unknown) => {
        logger.error({ err: errorMessage(e) }, 'gateway did not stop cleanly');
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const close = gateway.close;
  const detach = async (): Promise<void> => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await close();
  };
  return { ...gateway, close: detach, [Symbol.asyncDispose]: detach };
}
