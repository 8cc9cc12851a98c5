/**
 * Traces of the gateway: Hive Gateway's own OpenTelemetry plugin (`useOpenTelemetry` from
 * `@graphql-hive/plugin-opentelemetry`), on the tracer provider this thread registered
 * (`tracing-sdk.ts`). Per request it records the HTTP span (continuing a caller's `traceparent`),
 * the GraphQL operation with parse / validate / context / execute, one span per subgraph
 * execution and one per upstream fetch, and it injects `traceparent` / `tracestate` into every
 * subgraph HTTP request, so the subgraphs' spans join the same trace.
 */
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { useOpenTelemetry } from '@graphql-hive/plugin-opentelemetry';
import { TracingConfigSchema, type TracingInput } from './tracing-config.ts';

export function createTracingPlugin(input: TracingInput | undefined): GatewayPlugin | null {
  if (!input || !TracingConfigSchema.parse(input).enabled) return null;
  return useOpenTelemetry({
    inheritContext: true,
    propagateContext: true,
    // the provider belongs to the thread (tracing-sdk.ts), flushed when the thread shuts it down
    flushOnDispose: false,
    traces: { spans: { initialization: false, schema: false } },
  }) as GatewayPlugin;
}
