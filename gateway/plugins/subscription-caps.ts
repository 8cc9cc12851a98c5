/**
 * Subscription caps: at most `perConnection` live subscriptions on one graphql-ws connection (the
 * socket the graphql-ws context carries; an SSE subscription is its own connection) and at most
 * `perPrincipal` for one caller across its connections in this process. The extra subscribe is
 * answered with LIMIT_EXCEEDED (`subscriptionsPerConnection` / `subscriptionsPerPrincipal`) and
 * completed; the others keep running. A slot is freed when its subscription ends for any reason
 * (complete, client stop, socket closed).
 */
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { CallerKey } from './client-identity.ts';
import { limitError } from './limit-error.ts';

export interface SubscriptionCapsOptions {
  readonly perConnection: number;
  readonly perPrincipal: number;
  readonly callerKey: CallerKey;
}

export interface SubscriptionCounts {
  /** Live subscriptions of a caller key (client-identity.ts), for tests and metrics. */
  ofCaller(key: string): number;
}

function connectionOf(context: unknown): object | undefined {
  const socket = (context as { socket?: unknown } | undefined)?.socket;
  return typeof socket === 'object' && socket !== null ? socket : undefined;
}

function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return typeof v === 'object' && v !== null && Symbol.asyncIterator in v;
}

export function createSubscriptionCapsPlugin(opts: SubscriptionCapsOptions): GatewayPlugin & { readonly counts: SubscriptionCounts } {
  const perConnection = new WeakMap<object, number>();
  const perCaller = new Map<string, number>();
  return {
    counts: { ofCaller: (key) => perCaller.get(key) ?? 0 },
    onSubscribe({ context, setResultAndStopExecution }) {
      const connection = connectionOf(context);
      const caller = opts.callerKey(context);
      const onConnection = connection ? (perConnection.get(connection) ?? 0) : 0;
      const ofCaller = perCaller.get(caller) ?? 0;
      if (onConnection >= opts.perConnection) {
        setResultAndStopExecution({ errors: [limitError('subscriptionsPerConnection', opts.perConnection, onConnection + 1)] });
        return undefined;
      }
      if (ofCaller >= opts.perPrincipal) {
        setResultAndStopExecution({ errors: [limitError('subscriptionsPerPrincipal', opts.perPrincipal, ofCaller + 1)] });
        return undefined;
      }
      if (connection) perConnection.set(connection, onConnection + 1);
      perCaller.set(caller, ofCaller + 1);
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        if (connection) perConnection.set(connection, Math.max(0, (perConnection.get(connection) ?? 1) - 1));
        const left = (perCaller.get(caller) ?? 1) - 1;
        if (left > 0) perCaller.set(caller, left);
        else perCaller.delete(caller);
      };
      return {
        onSubscribeResult({ result }) {
          if (!isAsyncIterable(result)) {
            release(); // an error result: nothing stays live
            return undefined;
          }
          return { onEnd: release };
        },
        onSubscribeError: release,
      };
    },
  };
}
