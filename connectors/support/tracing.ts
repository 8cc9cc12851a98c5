/**
 * Connector calls as spans of the request that makes them: warehouse queries, online-store reads,
 * model runs, event-log produce. A traced connector is the same object behind a Proxy whose listed
 * methods open a CLIENT span, only when a recording span is active (a traced request: a job's
 * calls outside any request start no trace of their own). The composition root wraps connectors
 * only when tracing is on (bin/connectors.ts), so with tracing off nothing here runs.
 */
import { SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import type { Connector } from '../contracts/connector.ts';

const tracer = trace.getTracer('gofuture-connectors');
const MAX_STATEMENT = 2000;

type Describe = (args: readonly unknown[]) => Attributes;

/** Per capability: the methods that become spans and the attributes their arguments give (never values, only names and sizes). */
const TRACED: Partial<Record<Connector['capability'], Readonly<Record<string, Describe>>>> = {
  warehouse: {
    query: (a) => ({ 'db.query.text': typeof a[0] === 'string' ? a[0].slice(0, MAX_STATEMENT) : '', 'db.operation.name': typeof a[0] === 'string' ? (a[0].trim().split(/\s+/)[0] ?? '').toUpperCase() : '' }),
    insert: (a) => ({ 'db.collection.name': String(a[0]), 'db.operation.batch.size': Array.isArray(a[1]) ? a[1].length : 0 }),
    replacePartition: (a) => ({ 'db.collection.name': String(a[0]), 'gofuture.partition': String(a[1]), 'db.operation.batch.size': Array.isArray(a[2]) ? a[2].length : 0 }),
  },
  onlineStore: {
    getMany: (a) => ({ 'gofuture.entity': String(a[0]), 'gofuture.keys': Array.isArray(a[1]) ? a[1].length : 0 }),
    put: (a) => ({ 'gofuture.writes': Array.isArray(a[0]) ? a[0].length : 0 }),
  },
  modelRuntime: {
    run: (a) => ({ 'gofuture.model.name': String(a[0]), 'gofuture.model.version': String(a[1]), 'gofuture.rows': Array.isArray(a[2]) ? a[2].length : 0 }),
  },
  eventLog: {
    publish: (a) => ({ 'messaging.destination.name': String(a[0]), 'messaging.operation.type': 'send', 'messaging.batch.message_count': Array.isArray(a[1]) ? a[1].length : 0 }),
  },
};

const SYSTEM_KEY: Partial<Record<Connector['capability'], string>> = { warehouse: 'db.system.name', eventLog: 'messaging.system' };

function span<T>(name: string, attributes: Attributes, call: () => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { kind: SpanKind.CLIENT, attributes }, async (s) => {
    try {
      return await call();
    } catch (e) {
      s.recordException(e instanceof Error ? e : String(e));
      s.setStatus({ code: SpanStatusCode.ERROR, message: e instanceof Error ? e.message : String(e) });
      throw e;
    } finally {
      s.end();
    }
  });
}

/**
 * The connector with spans around its traced methods (`warehouse.query`, `onlineStore.getMany`,
 * `modelRuntime.run`, `eventLog.publish`, ...); other members pass through, bound to the original
 * object (private fields keep working). A capability with nothing to trace is returned as is.
 */
export function tracedConnector<C extends Connector>(connector: C): C {
  const methods = TRACED[connector.capability];
  if (!methods) return connector;
  const base: Attributes = { 'gofuture.connector.kind': connector.kind };
  const system = SYSTEM_KEY[connector.capability];
  if (system) base[system] = connector.kind;
  const cache = new Map<PropertyKey, unknown>();
  return new Proxy(connector, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      const hit = cache.get(prop);
      if (hit) return hit;
      const fn = value as (...args: unknown[]) => unknown;
      const describe = typeof prop === 'string' ? methods[prop] : undefined;
      const name = `${connector.capability}.${String(prop)}`;
      const wrapped = describe
        ? (...args: unknown[]): unknown => {
            if (!trace.getActiveSpan()?.isRecording()) return fn.apply(target, args);
            return span(name, { ...base, ...describe(args) }, () => Promise.resolve(fn.apply(target, args)));
          }
        : fn.bind(target);
      cache.set(prop, wrapped);
      return wrapped;
    },
  });
}
