/**
 * Prometheus metrics of the gateway: HTTP requests by route and status, GraphQL operations by type
 * and outcome, operation durations, live subscriptions. Metrics are created in the registry given
 * (prom-client's default one unless told), reused when a second gateway registers in the same one.
 */
import { Counter, Gauge, Histogram, register as defaultRegistry, type Registry } from 'prom-client';
import { getOperationAST, type DocumentNode, type ExecutionResult } from 'graphql';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';

export type HttpRoute = 'graphql' | 'health' | 'readiness' | 'metrics' | 'other';

export interface GatewayMetrics {
  readonly registry: Registry;
  observeHttp(route: HttpRoute, method: string, status: number, seconds: number): void;
  readonly plugin: GatewayPlugin;
}

function getOrCreate<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

function operationTypeOf(document: DocumentNode, operationName: string | null | undefined): string {
  return getOperationAST(document, operationName ?? undefined)?.operation ?? 'unknown';
}

function outcomeOf(result: unknown): 'ok' | 'error' {
  const r = result as ExecutionResult | undefined;
  return r && typeof r === 'object' && Array.isArray(r.errors) && r.errors.length > 0 ? 'error' : 'ok';
}

const isAsyncIterable = (v: unknown): boolean => v !== null && typeof v === 'object' && Symbol.asyncIterator in v;

export function createGatewayMetrics(registry: Registry = defaultRegistry): GatewayMetrics {
  const registers = [registry];
  const httpRequests = getOrCreate(registry, 'gateway_http_requests_total', () => new Counter({
    name: 'gateway_http_requests_total', help: 'HTTP requests served by the gateway', labelNames: ['route', 'method', 'status'] as const, registers,
  }));
  const httpDuration = getOrCreate(registry, 'gateway_http_request_duration_seconds', () => new Histogram({
    name: 'gateway_http_request_duration_seconds', help: 'HTTP request duration', labelNames: ['route'] as const, registers,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  }));
  const operations = getOrCreate(registry, 'gateway_graphql_operations_total', () => new Counter({
    name: 'gateway_graphql_operations_total', help: 'GraphQL operations by type and outcome (ok, error, parse_error, validation_error)',
    labelNames: ['operation_type', 'outcome'] as const, registers,
  }));
  const opDuration = getOrCreate(registry, 'gateway_graphql_operation_duration_seconds', () => new Histogram({
    name: 'gateway_graphql_operation_duration_seconds', help: 'Execution time of queries and mutations; set-up time of subscriptions',
    labelNames: ['operation_type'] as const, registers, buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  }));
  const liveSubscriptions = getOrCreate(registry, 'gateway_graphql_subscriptions_active', () => new Gauge({
    name: 'gateway_graphql_subscriptions_active', help: 'Subscriptions currently streaming through the gateway', registers,
  }));

  const plugin: GatewayPlugin = {
    onParse() {
      return ({ result }) => {
        if (result instanceof Error) operations.inc({ operation_type: 'unknown', outcome: 'parse_error' });
      };
    },
    onValidate({ params }) {
      return ({ valid }) => {
        if (!valid) operations.inc({ operation_type: operationTypeOf(params.documentAST, undefined), outcome: 'validation_error' });
      };
    },
    onExecute({ args }) {
      const type = operationTypeOf(args.document, args.operationName);
      const end = opDuration.startTimer({ operation_type: type });
      return {
        onExecuteDone({ result }) {
          end();
          if (!isAsyncIterable(result)) operations.inc({ operation_type: type, outcome: outcomeOf(result) });
          else operations.inc({ operation_type: type, outcome: 'ok' });
        },
      };
    },
    onSubscribe() {
      const end = opDuration.startTimer({ operation_type: 'subscription' });
      return {
        onSubscribeResult({ result }) {
          end();
          if (!isAsyncIterable(result)) {
            operations.inc({ operation_type: 'subscription', outcome: outcomeOf(result) });
            return undefined;
          }
          operations.inc({ operation_type: 'subscription', outcome: 'ok' });
          liveSubscriptions.inc();
          let ended = false;
          return { onEnd: () => { if (!ended) { ended = true; liveSubscriptions.dec(); } } };
        },
        onSubscribeError() {
          operations.inc({ operation_type: 'subscription', outcome: 'error' });
        },
      };
    },
  };

  return {
    registry,
    observeHttp(route, method, status, seconds) {
      httpRequests.inc({ route, method, status: String(status) });
      httpDuration.observe({ route }, seconds);
    },
    plugin,
  };
}
