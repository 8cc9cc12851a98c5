import { pino, type Logger } from 'pino';
import { traceLogFields } from '../gateway/plugins/tracing-log.ts';

/**
 * The root logger: JSON lines on stdout; `silent` in tests unless LOG_LEVEL asks otherwise. With
 * `traceIds` (tracing on) each line logged inside a traced request carries `trace_id` / `span_id`.
 */
export function createLogger(level: string, name = 'gofuture', traceIds = false): Logger {
  return pino({ name, level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime, ...(traceIds ? { mixin: traceLogFields } : {}) });
}
