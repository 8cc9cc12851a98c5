/**
 * Trace ids in the structured logs: a pino `mixin` that adds the active span's ids to each line
 * logged inside a traced request, under the field names OpenTelemetry's pino instrumentation uses
 * (`trace_id`, `span_id`, `trace_flags`), so a log backend can jump from a line to its trace.
 * Installed only when tracing is on (bin/logger.ts, gateway/plugins/tracing-thread.ts).
 */
import { isSpanContextValid, trace } from '@opentelemetry/api';

export function traceLogFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const sc = span.spanContext();
  if (!isSpanContextValid(sc)) return {};
  return { trace_id: sc.traceId, span_id: sc.spanId, trace_flags: sc.traceFlags.toString(16).padStart(2, '0') };
}
