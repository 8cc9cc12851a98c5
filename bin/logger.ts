import { pino, type Logger } from 'pino';

/** The root logger: JSON lines on stdout; `silent` in tests unless LOG_LEVEL asks otherwise. */
export function createLogger(level: string, name = 'gofuture'): Logger {
  return pino({ name, level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
}
