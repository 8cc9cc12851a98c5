/**
 * Tracing of the thread that runs the gateway (thread-entry.ts): with tracing on, the SDK is loaded
 * (dynamic import: off, nothing is loaded) and registered for this thread, and pino gets the
 * `mixin` that puts the active trace and span ids on each log line.
 */
import type { LoggerOptions } from 'pino';
import { TracingConfigSchema, type TracingInput } from './tracing-config.ts';
import { traceLogFields } from './tracing-log.ts';

export interface ThreadTracing {
  /** Spread into the thread's pino options. */
  readonly pinoOptions: Pick<LoggerOptions, 'mixin'>;
  shutdown(): Promise<void>;
}

export async function startThreadTracing(input: TracingInput | undefined): Promise<ThreadTracing> {
  const config = TracingConfigSchema.parse(input ?? {});
  if (!config.enabled) return { pinoOptions: {}, shutdown: async () => undefined };
  const { startTracingSdk } = await import('./tracing-sdk.ts');
  const sdk = startTracingSdk(config, { serviceName: `${config.serviceName}-gateway` });
  return { pinoOptions: { mixin: traceLogFields }, shutdown: () => sdk.shutdown() };
}
