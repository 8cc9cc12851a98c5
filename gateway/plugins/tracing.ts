/**
 * Traces of the gateway: Hive Gateway's own OpenTelemetry plugin (`useOpenTelemetry` from
 * `@graphql-hive/plugin-opentelemetry`), on the tracer provider this thread registered
 * (`tracing-sdk.ts`). Per request it records the HTTP span (continuing a caller's `traceparent`),
 * the GraphQL operation with parse / validate / context / execute, one span per subgraph
 * execution and one per upstream fetch, and it injects `traceparent` / `tracestate` into every
 * subgraph HTTP request, so the subgraphs' spans join the same trace. Loaded only when tracing is
 * on (the package adds ~0.3-0.6 s to the thread's start).
 */
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { TracingConfigSchema, type TracingInput } from './tracing-config.ts';

/** The plugin, first in the list (its HTTP span then covers every other plugin); none when tracing is off. */
export async function createTracingPlugins(input: TracingInput | undefined): Promise<GatewayPlugin[]> {
  if (!input || !TracingConfigSchema.parse(input).enabled) return [];
  const { useOpenTelemetry } = await import('@graphql-hive/plugin-opentelemetry');
  const plugin = useOpenTelemetry({
    inheritContext: true,
    propagateContext: true,
    // the provider belongs to the thread (tracing-sdk.ts), flushed when the thread shuts it down
    flushOnDispose: false,
    // the operation hash (graphql.operation.hash) normalises every document again: not worth it per request
    hashOperation: null,
    traces: { spans: { initialization: false, schema: false } },
  });
  return [plugin as GatewayPlugin];
}
