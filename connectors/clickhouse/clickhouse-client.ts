/**
 * The @clickhouse/client pieces the warehouse needs: a client whose own logs go to our pino logger,
 * and error classification (18.16 answers errors in a format the client does not parse, so they
 * arrive as a plain Error carrying the server's text).
 */
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import type { Logger } from 'pino';
import { errorMessage } from '../../schema/errors.ts';

export interface ClientOptions {
  readonly url: string;
  readonly database: string;
  readonly username: string;
  readonly password: string;
  readonly requestTimeoutMs: number;
}

interface LogParams {
  readonly module: string;
  readonly message: string;
  readonly args?: Record<string, unknown>;
  readonly err?: Error;
}

/** A Logger class (the client instantiates it with no arguments) writing into `log`. */
function loggerClass(log: Logger): new () => {
  trace(p: LogParams): void;
  debug(p: LogParams): void;
  info(p: LogParams): void;
  warn(p: LogParams): void;
  error(p: LogParams): void;
} {
  const write = (level: 'trace' | 'debug' | 'info' | 'warn' | 'error', p: LogParams): void => {
    log[level]({ module: p.module, ...(p.args ? { args: p.args } : {}), ...(p.err ? { err: p.err } : {}) }, p.message);
  };
  return class {
    trace(p: LogParams): void { write('trace', p); }
    debug(p: LogParams): void { write('debug', p); }
    info(p: LogParams): void { write('info', p); }
    warn(p: LogParams): void { write('warn', p); }
    error(p: LogParams): void { write('error', p); }
  };
}

export function makeClient(o: ClientOptions, log: Logger): ClickHouseClient {
  return createClient({
    url: o.url,
    database: o.database,
    username: o.username,
    password: o.password,
    request_timeout: o.requestTimeoutMs,
    application: 'gofuture',
    // 18.16 and current servers both honour gzip; keep the wire plain and the setting list short.
    compression: { request: false, response: false },
    log: { LoggerClass: loggerClass(log.child({ lib: '@clickhouse/client' })) },
  });
}

/**
 * True when the server answered with an error (a statement or data problem: `Code: N` in every
 * version's text), false for transport failures (refused, reset, timeout) where retrying the same
 * rows elsewhere would be pointless.
 */
export function isServerError(e: unknown): boolean {
  if (e && typeof e === 'object' && 'code' in e && typeof e.code === 'string' && /^\d+$/.test(e.code)) return true;
  return /\bCode:\s*\d+/.test(errorMessage(e));
}

/** The server's message, trimmed of the trailing newline and the stack the old servers append. */
export function serverMessage(e: unknown): string {
  return errorMessage(e).trim();
}
