/**
 * The OpenTelemetry SDK of one thread (the gateway thread, or the main thread with subgraphs and
 * connectors): a tracer provider with parent-based ratio sampling, the OTLP/HTTP exporter behind a
 * batch processor, W3C trace context + baggage propagation and an AsyncLocalStorage context
 * manager, registered as the thread's OpenTelemetry globals. Started only when tracing is on; a
 * test passes its own exporter (e.g. `InMemorySpanExporter`), exported span by span.
 *
 * It uses the SDK directly rather than the Hive plugin's `openTelemetrySetup`, which imports the
 * whole gateway runtime: the main thread must not load it (docs/decisions/0007).
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import type { TracingConfig } from './tracing-config.ts';

export interface TracingSdk {
  /** Exports what is buffered (call before reading an exporter in a test). */
  forceFlush(): Promise<void>;
  /** Flushes, stops the provider and unregisters the thread's OpenTelemetry globals. Idempotent. */
  shutdown(): Promise<void>;
}

export interface TracingSdkOptions {
  /** `service.name` of this thread's spans. */
  readonly serviceName: string;
  /** Replaces the OTLP exporter (tests): spans are handed to it one by one as they end. */
  readonly exporter?: SpanExporter;
}

export function startTracingSdk(config: TracingConfig, opts: TracingSdkOptions): TracingSdk {
  const processor = opts.exporter
    ? new SimpleSpanProcessor(opts.exporter)
    : new BatchSpanProcessor(new OTLPTraceExporter({ url: config.otlp.endpoint, headers: { ...config.otlp.headers }, timeoutMillis: config.otlp.timeoutMs }), {
        maxQueueSize: config.batch.maxQueueSize,
        maxExportBatchSize: config.batch.maxExportBatchSize,
        scheduledDelayMillis: config.batch.scheduledDelayMs,
        exportTimeoutMillis: config.otlp.timeoutMs,
      });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': opts.serviceName }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.sampleRatio) }),
    spanProcessors: [processor],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
  trace.setGlobalTracerProvider(provider);
  let stopping: Promise<void> | undefined;
  return {
    forceFlush: () => provider.forceFlush(),
    shutdown: () =>
      (stopping ??= (async () => {
        try {
          await provider.shutdown();
        } finally {
          trace.disable();
          propagation.disable();
          context.disable();
        }
      })()),
  };
}
