/**
 * Subscription fan-out at the gateway (issue 11 §2, docs/decisions/0029-subs.md): one upstream
 * subscription, and one federated execution per event, per distinct
 * (document, operation name, variables, the caller's roles), copied to every client that asked
 * for the same. Hive Gateway's runtime dedupes only in-flight *queries*
 * (`inboundInflightRequestDeduplication`, operation "query" only) and opens one subgraph
 * subscription per client; this plugin is the subscription counterpart.
 *
 * Why the key is safe: every client's own subscribe still runs every policy (authentication,
 * field rules on its document, subscription caps) before it joins, since the runtime runs all
 * `onSubscribe` hooks before the subscribe function; a client joins only with a document it may
 * run. The answer then depends only on the document, operation name and variables, because the
 * gateway forwards no caller identity to the subgraphs (requests are signed by the gateway, no
 * header of the caller is propagated). The roles are in the key anyway, so that a rule that
 * answered differently per role (masking fields rather than refusing the operation) could never
 * leak one role's answer to another; every dashboard shares the `dashboard` role, so they share.
 *
 * Slow clients: each client has its own bounded queue (`maxQueuedMessages`); past it the client is
 * closed with 4413 `SUBSCRIPTION_BACKLOG_EXCEEDED` (graphql-ws) or, without a socket (SSE), its
 * subscription ends with that error, and every other client goes on.
 */
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { GraphQLError, print, type DocumentNode, type ExecutionResult } from 'graphql';
import { Counter, Gauge, type Registry } from 'prom-client';
import { formatError } from '../schema/errors.ts';
import { principalOf } from './principal.ts';
import { createSubscriptionHub, type Opened, type SubscriptionHub } from './subscriptions-hub.ts';
import { wsCloseReason } from './ws-close.ts';

export interface SubscriptionFanOutOptions {
  /** Updates a client may have waiting before it is closed as too slow (default 256). */
  readonly maxQueuedMessages?: number;
  /** Where `gateway_subscription_upstreams`, `_clients` and `_dropped_total` go (none: not exported). */
  readonly registry?: Registry;
}

const hubsOf = new WeakMap<Registry, Set<SubscriptionHub<ExecutionResult>>>();

/** Gauges summed over every gateway hub of the registry (two gateways may share one, as in tests). */
function register(registry: Registry, hub: SubscriptionHub<ExecutionResult>): Counter<'reason'> {
  let hubs = hubsOf.get(registry);
  if (!hubs) {
    const set = new Set<SubscriptionHub<ExecutionResult>>();
    hubs = set;
    hubsOf.set(registry, set);
    const sum = (f: (h: SubscriptionHub<ExecutionResult>) => number): number => [...set].reduce((n, h) => n + f(h), 0);
    new Gauge({ name: 'gateway_subscription_upstreams', help: 'Upstream subscriptions open (one per distinct operation, variables and roles)', registers: [registry], collect() { this.set(sum((h) => h.upstreams())); } });
    new Gauge({ name: 'gateway_subscription_clients', help: 'Client subscriptions fed by the upstream ones', registers: [registry], collect() { this.set(sum((h) => h.subscribers())); } });
  }
  hubs.add(hub);
  return (registry.getSingleMetric('gateway_subscription_dropped_total') as Counter<'reason'> | undefined)
    ?? new Counter({ name: 'gateway_subscription_dropped_total', help: 'Client subscriptions ended by the gateway (reason: backlog = the client did not read)', labelNames: ['reason'] as const, registers: [registry] });
}

/** graphql-ws close code for a client whose backlog passed `maxQueuedMessages` (ours; 44xx as graphql-ws' own). */
export const WS_BACKLOG_EXCEEDED = 4413;
export const DEFAULT_MAX_QUEUED_MESSAGES = 256;

type Closable = { close(code: number, reason: string): void };

function socketOf(context: unknown): Closable | undefined {
  const socket = (context as { socket?: unknown } | undefined)?.socket;
  return typeof socket === 'object' && socket !== null && typeof (socket as { close?: unknown }).close === 'function' ? (socket as Closable) : undefined;
}

function isAsyncIterable(v: unknown): v is AsyncIterable<ExecutionResult> {
  return typeof v === 'object' && v !== null && Symbol.asyncIterator in v;
}

const printed = new WeakMap<DocumentNode, string>();
function textOf(document: DocumentNode): string {
  let t = printed.get(document);
  if (t === undefined) {
    t = print(document);
    printed.set(document, t);
  }
  return t;
}

/** The fan-out key: what the answer can depend on (see the header). */
export function fanOutKey(document: DocumentNode, operationName: string | null | undefined, variables: unknown, context: unknown): string {
  const roles = [...(principalOf(context)?.roles ?? [])].sort();
  return JSON.stringify([textOf(document), operationName ?? null, variables ?? null, roles]);
}

export function createSubscriptionFanOutPlugin(opts: SubscriptionFanOutOptions = {}): GatewayPlugin & { readonly hub: SubscriptionHub<ExecutionResult> } {
  const hub = createSubscriptionHub<ExecutionResult>();
  const maxQueued = opts.maxQueuedMessages ?? DEFAULT_MAX_QUEUED_MESSAGES;
  const dropped = opts.registry ? register(opts.registry, hub) : undefined;
  return {
    hub,
    onSubscribe({ subscribeFn, setSubscribeFn }) {
      setSubscribeFn(async (args) => {
        const key = fanOutKey(args.document, args.operationName, args.variableValues, args.contextValue);
        const socket = socketOf(args.contextValue);
        const open = async (): Promise<Opened<ExecutionResult>> => {
          const r = await subscribeFn(args);
          return isAsyncIterable(r) ? { kind: 'live', source: r } : { kind: 'final', value: r };
        };
        const joined = await hub.join(key, open, {
          maxQueued,
          onOverflow: () => {
            dropped?.inc({ reason: 'backlog' });
            const message = formatError('SUBSCRIPTION_BACKLOG_EXCEEDED', { max: maxQueued });
            if (socket) {
              socket.close(WS_BACKLOG_EXCEEDED, wsCloseReason('SUBSCRIPTION_BACKLOG_EXCEEDED', message));
              return undefined;
            }
            return { last: { errors: [new GraphQLError(message, { extensions: { code: 'SUBSCRIPTION_BACKLOG_EXCEEDED', max: maxQueued } })] } };
          },
        });
        return (joined.kind === 'live' ? joined.iterator : joined.value) as Awaited<ReturnType<typeof subscribeFn>>;
      });
    },
  };
}
