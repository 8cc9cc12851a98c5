/** What the platform's commands share: the common flags, config sources from them, signal handling. */
import { parseArgs } from 'node:util';
import { errorMessage } from '../schema/errors.ts';
import type { ConfigSources } from './config.ts';

export const commonOptions = {
  profile: { type: 'string' },
  config: { type: 'string' },
  port: { type: 'string' },
  'data-dir': { type: 'string' },
  out: { type: 'string' },
} as const;

export interface CommonArgs {
  readonly port: number | undefined;
  readonly out: string | undefined;
  readonly positionals: readonly string[];
  readonly sources: ConfigSources & { readonly overrides: Record<string, unknown> };
}

export function parsePort(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--${flag} must be a port number (0-65535), got "${v}"`);
  return n;
}

/** Parses `--profile --config --port --data-dir --out` and positionals (strict: unknown flags fail). */
export function parseCommon(argv: readonly string[]): CommonArgs {
  const { values, positionals } = parseArgs({ args: [...argv], options: commonOptions, allowPositionals: true, strict: true });
  return {
    port: parsePort(values.port, 'port'),
    out: values.out,
    positionals,
    sources: {
      ...(values.profile ? { profile: values.profile } : {}),
      ...(values.config ? { file: values.config } : {}),
      overrides: { ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}) },
    },
  };
}

interface SignalLogger {
  info(o: object, m: string): void;
  error(o: object, m: string): void;
}

/** Stops `stop` once on SIGINT/SIGTERM, then exits; a second signal forces the exit. */
export function onSignals(stop: () => Promise<void>, logger: SignalLogger): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(130);
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
