/**
 * kafkajs' own log lines, routed into our pino logger (level chosen from what the logger emits).
 * kafkajs' INFO is lifecycle chatter (every consumer start, join and stop, several per read()), so
 * it goes to debug; WARN and ERROR keep their level.
 */
import { logLevel, type logCreator } from 'kafkajs';
import type { Logger } from 'pino';

/** The kafkajs level matching the most verbose level `log` has enabled. */
export function kafkaLogLevel(log: Logger): logLevel {
  if (log.isLevelEnabled('debug')) return logLevel.DEBUG;
  if (log.isLevelEnabled('warn')) return logLevel.WARN;
  if (log.isLevelEnabled('error')) return logLevel.ERROR;
  return logLevel.NOTHING;
}

/** A kafkajs logCreator writing into `log` (a child per kafkajs namespace). */
export function pinoLogCreator(log: Logger): logCreator {
  const base = log.child({ lib: 'kafkajs' });
  return () => ({ namespace, level, log: entry }) => {
    const { message, timestamp: _timestamp, logger: _logger, ...extra } = entry;
    const fields = { kafkajs: namespace, ...extra };
    switch (level) {
      case logLevel.ERROR:
        base.error(fields, message);
        break;
      case logLevel.WARN:
        base.warn(fields, message);
        break;
      default:
        base.debug(fields, message);
    }
  };
}
