/**
 * Tracing of this process's main thread (subgraphs and connectors; the gateway thread starts its
 * own, gateway/plugins/tracing-thread.ts): with `tracing.enabled` the OpenTelemetry SDK is loaded
 * and registered before any subgraph starts, and shut down (flushed) last. Off: nothing is loaded.
 */
import type { PlatformConfig } from './config.ts';

export async function startProcessTracing(config: Readonly<PlatformConfig>, undo: (() => Promise<void>)[]): Promise<void> {
  if (!config.tracing.enabled) return;
  const { startTracingSdk } = await import('../gateway/plugins/tracing-sdk.ts');
  const sdk = startTracingSdk(config.tracing, { serviceName: config.tracing.serviceName });
  undo.push(() => sdk.shutdown());
}
