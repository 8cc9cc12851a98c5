/**
 * The gateway's request policies in one place: from plain config (limits, CORS, persisted
 * operations) to the runtime options and plugins that enforce them, in the order they act:
 * body -> persisted operations (runtime) -> tokens -> document limits -> (validation) -> rate limit
 * -> deadline / subscription caps -> execution. Suggestions are stripped in production.
 */
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { Logger } from 'pino';
import { createCallerKey } from './client-identity.ts';
import { corsOption, varyOriginPlugin, type CorsOption } from './cors.ts';
import { createDeadlinePlugin } from './deadline.ts';
import { createDocumentLimitsPlugin } from './document-limits.ts';
import { createFieldSuggestionsPlugin } from './field-suggestions.ts';
import { persistedDocumentsOption } from './persisted-operations.ts';
import { resolveCors, resolveLimits, resolvePersistedOperations, type CorsInput, type LimitsInput, type PersistedOperationsInput } from './policy-config.ts';
import { createRateLimiter, createRateLimitPlugin } from './rate-limit.ts';
import { createRequestBodyPlugin } from './request-body.ts';
import { createSubscriptionCapsPlugin } from './subscription-caps.ts';

export interface PolicyInput {
  readonly limits?: LimitsInput | undefined;
  readonly cors?: CorsInput | undefined;
  readonly persistedOperations?: PersistedOperationsInput | undefined;
  readonly production: boolean;
  /** Behind our front door: the client IP comes from its x-forwarded-for. */
  readonly trustForwardedFor?: boolean | undefined;
  readonly logger: Logger;
}

export interface Policies {
  readonly cors: CorsOption;
  readonly persistedDocuments: ReturnType<typeof persistedDocumentsOption>;
  readonly plugins: readonly GatewayPlugin[];
  /** Plugins that must wrap every other (they see results other plugins stop execution with). */
  readonly outerPlugins: readonly GatewayPlugin[];
  /** Largest graphql-ws message accepted (the body limit applies to WebSocket frames too). */
  readonly maxMessageBytes: number;
  close(): Promise<void>;
}

export function createPolicies(input: PolicyInput): Policies {
  const limits = resolveLimits(input.limits);
  const cors = resolveCors(input.cors);
  const persisted = resolvePersistedOperations(input.persistedOperations);
  const log = input.logger.child({ component: 'gateway-policies' });
  // read the manifest first: a bad one fails the start before any connection is opened
  const persistedDocuments = persistedDocumentsOption(persisted);
  const callerKey = createCallerKey(input.trustForwardedFor ?? false);
  const limiter = limits.rateLimit.enabled ? createRateLimiter(limits.rateLimit, log) : undefined;
  const plugins: GatewayPlugin[] = [
    createRequestBodyPlugin({ maxBodyBytes: limits.maxBodyBytes, maxVariablesBytes: limits.maxVariablesBytes, csrfHeader: cors.csrfHeader }),
    createDocumentLimitsPlugin(limits),
    ...(limiter ? [createRateLimitPlugin(limiter, callerKey)] : []),
    createDeadlinePlugin(limits.requestTimeoutMs),
    createSubscriptionCapsPlugin({ perConnection: limits.maxSubscriptionsPerConnection, perPrincipal: limits.maxSubscriptionsPerPrincipal, callerKey }),
    ...(cors.origins.length > 0 ? [varyOriginPlugin as GatewayPlugin] : []),
  ];
  return {
    cors: corsOption(cors),
    persistedDocuments,
    plugins,
    outerPlugins: input.production ? [createFieldSuggestionsPlugin()] : [],
    maxMessageBytes: limits.maxBodyBytes,
    close: async () => {
      await limiter?.close();
    },
  };
}
