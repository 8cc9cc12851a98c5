/**
 * Tracing as plain JSON (`tracing` in the platform config; it crosses into the gateway thread by
 * structured clone). Engine-neutral: every key is an OpenTelemetry notion (OTLP endpoint, W3C trace
 * context, parent-based ratio sampling, service name) that maps onto Hive Router's `telemetry`
 * section as well (docs/decisions/0024-traces.md). Off by default: nothing is loaded or wrapped.
 */
import { z } from 'zod';

export const TracingConfigSchema = z.object({
  /** Off (default): no SDK, no plugin, no wrapped connectors. */
  enabled: z.boolean().default(false),
  /** `service.name` of the spans; the gateway thread reports as `<serviceName>-gateway`. */
  serviceName: z.string().min(1).default('gofuture'),
  /** Share of new traces recorded (parent-based: a caller's sampled flag is followed). */
  sampleRatio: z.number().min(0).max(1).default(1),
  /** OTLP over HTTP (JSON), e.g. an OpenTelemetry Collector, Jaeger or Tempo on :4318. */
  otlp: z.object({
    endpoint: z.url().default('http://127.0.0.1:4318/v1/traces'),
    /** Extra request headers (an API key of a hosted backend). */
    headers: z.record(z.string(), z.string()).default({}),
    /** Export timeout per batch. */
    timeoutMs: z.number().int().positive().default(10_000),
  }).strict().prefault({}),
  /** Batching of the exporter (BatchSpanProcessor). */
  batch: z.object({
    maxQueueSize: z.number().int().positive().default(2048),
    maxExportBatchSize: z.number().int().positive().default(512),
    scheduledDelayMs: z.number().int().positive().default(5000),
  }).strict().prefault({}),
}).strict();

export type TracingConfig = z.output<typeof TracingConfigSchema>;
export type TracingInput = z.input<typeof TracingConfigSchema>;

/** Standard OpenTelemetry variables: an OTLP traces endpoint turns tracing on (OTEL_SDK_DISABLED=true keeps it off). */
export function tracingConfigFromEnv(env: Readonly<Record<string, string | undefined>>): { enabled?: boolean; serviceName?: string; otlp?: { endpoint: string } } {
  const traces = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'];
  const base = env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  const endpoint = traces || (base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined);
  const service = env['OTEL_SERVICE_NAME'];
  const disabled = env['OTEL_SDK_DISABLED'] === 'true';
  return {
    ...(endpoint ? { enabled: true, otlp: { endpoint } } : {}),
    ...(service ? { serviceName: service } : {}),
    ...(disabled ? { enabled: false } : {}),
  };
}
