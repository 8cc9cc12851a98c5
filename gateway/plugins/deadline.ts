/**
 * Request deadline: a query or mutation gets `timeoutMs` from the start of execution. When it
 * passes, the answer is 504 REQUEST_TIMEOUT at once and every upstream (subgraph) fetch still
 * running for it is aborted (its signal is tied to the deadline in `onFetch`), so a slow subgraph
 * holds neither the caller nor the gateway's sockets. Subscriptions are long-lived by design and
 * are bounded by the subscription caps instead.
 */
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { ExecutionResult } from 'graphql';
import { policyError } from './limit-error.ts';

export function createDeadlinePlugin(timeoutMs: number): GatewayPlugin {
  const deadlines = new WeakMap<object, AbortSignal>();
  return {
    onExecute({ context, executeFn, setExecuteFn }) {
      const controller = new AbortController();
      if (typeof context === 'object' && context !== null) deadlines.set(context, controller.signal);
      setExecuteFn((args) =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(() => {
            controller.abort(new Error(`request deadline of ${timeoutMs} ms passed`));
            const result: ExecutionResult = { errors: [policyError('REQUEST_TIMEOUT', `request deadline of ${timeoutMs} ms passed; upstream calls aborted`, 504, { timeoutMs })] };
            resolve(result);
          }, timeoutMs);
          Promise.resolve(executeFn(args)).then(
            (r) => {
              clearTimeout(timer);
              resolve(r);
            },
            (e: unknown) => {
              clearTimeout(timer);
              reject(e instanceof Error ? e : new Error(String(e)));
            },
          );
        }),
      );
    },
    onFetch({ context, options, setOptions }) {
      const deadline = typeof context === 'object' && context !== null ? deadlines.get(context) : undefined;
      if (!deadline) return;
      const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
      setOptions({ ...options, signal });
    },
  };
}
