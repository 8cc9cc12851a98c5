/**
 * No field suggestions in production: "Did you mean ...?" hints (graphql-js validation messages,
 * and the same messages passed through from a subgraph) tell a stranger the schema's names even
 * where introspection is off. Stripped from validation errors and from every execution result.
 */
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { GraphQLError, type ExecutionResult } from 'graphql';

const SUGGESTION = /\s*Did you mean [^?]*\?/g;
const HAS_SUGGESTION = /Did you mean /;

export function withoutSuggestions(message: string): string {
  return message.replace(SUGGESTION, '').trim();
}

function strip(error: unknown): unknown {
  if (error instanceof GraphQLError) {
    const message = withoutSuggestions(error.message);
    if (message === error.message) return error;
    return new GraphQLError(message, {
      ...(error.nodes ? { nodes: error.nodes } : {}),
      ...(error.source ? { source: error.source } : {}),
      ...(error.positions ? { positions: error.positions } : {}),
      ...(error.path ? { path: error.path } : {}),
      ...(error.originalError ? { originalError: error.originalError } : {}),
      extensions: error.extensions,
    });
  }
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
    const e = error as { message: string };
    return { ...e, message: withoutSuggestions(e.message) };
  }
  return error;
}

function stripResult(result: ExecutionResult): ExecutionResult | undefined {
  if (!result.errors?.some((e) => HAS_SUGGESTION.test(e.message))) return undefined;
  return { ...result, errors: result.errors.map((e) => strip(e) as GraphQLError) };
}

interface ResultPayload {
  readonly result: unknown;
  readonly setResult: (r: ExecutionResult) => void;
}

function onDone({ result, setResult }: ResultPayload): { onNext: (p: ResultPayload) => void } | undefined {
  if (typeof result === 'object' && result !== null && Symbol.asyncIterator in result) {
    return {
      onNext: (p) => {
        onDone(p);
      },
    };
  }
  const next = stripResult(result as ExecutionResult);
  if (next) setResult(next);
  return undefined;
}

export function createFieldSuggestionsPlugin(): GatewayPlugin {
  return {
    onValidate() {
      return ({ result, setResult }) => {
        if (result.length > 0) setResult(result.map(strip));
      };
    },
    onExecute: () => ({ onExecuteDone: onDone }),
    onSubscribe: () => ({ onSubscribeResult: onDone }),
  };
}
