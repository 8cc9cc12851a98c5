/**
 * A subgraph's part of a trace: the gateway's `traceparent` / `tracestate` are extracted from the
 * request headers and the request runs in a SERVER span (`subgraph <name>`) made active for
 * everything it awaits (resolvers, loaders, connector calls: connectors/support/tracing.ts); each
 * root field (`Query.*`, `Mutation.*`, `Query._entities` for entity fetches) gets a span of its own.
 * Decided once per server: with no OpenTelemetry SDK registered in this thread (tracing off) the
 * server is built exactly as without this file.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { context, propagation, ProxyTracerProvider, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { defaultFieldResolver, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';

const tracer = trace.getTracer('gofuture-subgraph');
const NOOP_PROVIDER = new ProxyTracerProvider().getDelegate().constructor;

/** True when this thread has registered an OpenTelemetry tracer provider (tracing is on). */
export function tracingRegistered(): boolean {
  const provider = trace.getTracerProvider();
  const delegate = provider instanceof ProxyTracerProvider ? provider.getDelegate() : provider;
  return delegate.constructor !== NOOP_PROVIDER;
}

function fail(span: Span, e: unknown): void {
  span.recordException(e instanceof Error ? e : String(e));
  span.setStatus({ code: SpanStatusCode.ERROR, message: e instanceof Error ? e.message : String(e) });
}

/** Runs one HTTP request of subgraph `name` in its SERVER span, a child of the caller's context. */
export function traceRequest(name: string, req: IncomingMessage, res: ServerResponse, run: () => void): void {
  const parent = propagation.extract(ROOT_CONTEXT, req.headers);
  const span = tracer.startSpan(`subgraph ${name}`, {
    kind: SpanKind.SERVER,
    attributes: { 'gofuture.subgraph': name, 'http.request.method': req.method ?? 'GET', 'url.path': (req.url ?? '/').split('?')[0] ?? '/' },
  }, parent);
  res.once('close', () => {
    span.setAttribute('http.response.status_code', res.statusCode);
    if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  context.with(trace.setSpan(parent, span), run);
}

function traced(typeName: string, fieldName: string, resolve: GraphQLFieldResolver<unknown, unknown>): GraphQLFieldResolver<unknown, unknown> {
  const spanName = `resolve ${typeName}.${fieldName}`;
  return (source, args, ctx, info) =>
    tracer.startActiveSpan(spanName, { attributes: { 'graphql.field.name': fieldName, 'graphql.field.parent': typeName } }, (span) => {
      let result: unknown;
      try {
        result = resolve(source, args, ctx, info);
      } catch (e) {
        fail(span, e);
        span.end();
        throw e;
      }
      if (result instanceof Promise) {
        return result.then(
          (v: unknown) => {
            span.end();
            return v;
          },
          (e: unknown) => {
            fail(span, e);
            span.end();
            throw e;
          },
        );
      }
      span.end();
      return result;
    });
}

/** Wraps every root query and mutation field's resolver (entity fetches: `Query._entities`) in a span. */
export function traceRootResolvers(schema: GraphQLSchema): GraphQLSchema {
  for (const type of [schema.getQueryType(), schema.getMutationType()]) {
    if (!type) continue;
    for (const field of Object.values(type.getFields())) {
      if (field.name === '_service') continue;
      field.resolve = traced(type.name, field.name, field.resolve ?? defaultFieldResolver);
    }
  }
  return schema;
}
