/**
 * The runtime logs through Hive's own Logger; this bridges it to the pino logger we are given, so
 * gateway-runtime lines land in the same structured stream, at the same level.
 */
import { Logger as HiveLogger, type Attributes, type LogLevel, type LogWriter } from '@graphql-hive/gateway-runtime';
import type { Logger } from 'pino';

function hiveLevelOf(pinoLevel: string): LogLevel | false {
  switch (pinoLevel) {
    case 'trace':
    case 'debug':
    case 'info':
    case 'warn':
    case 'error':
      return pinoLevel;
    case 'fatal':
      return 'error';
    default:
      return false; // silent
  }
}

class PinoWriter implements LogWriter {
  readonly #log: Logger;
  constructor(log: Logger) {
    this.#log = log;
  }
  write(level: LogLevel, attrs: Attributes | null | undefined, msg: string | null | undefined): void {
    const fields: Record<string, unknown> =
      attrs === null || attrs === undefined ? {} : Array.isArray(attrs) ? { attrs } : (attrs as Record<string, unknown>);
    this.#log[level](fields, msg ?? '');
  }
}

export function hiveLoggerFrom(log: Logger): HiveLogger {
  return new HiveLogger({ level: () => hiveLevelOf(log.level), writers: [new PinoWriter(log)] });
}
