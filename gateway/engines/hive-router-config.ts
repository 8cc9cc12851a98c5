/**
 * Our engine-neutral policies as Hive Router 0.2.0 configuration (router.config.yaml; JSON is
 * valid YAML, so the file is written as JSON), for a router behind our policy front
 * (router-policy.ts, ADR 0033). Key by key:
 * - auth: JWT verification (`jwt`: HS256 secret as an `oct` JWK in a JWKS file, or our JWKS file /
 *   URL; issuer, audience), plus the front's own key (`frontJwksPath`, the short-lived JWTs API keys
 *   are exchanged for); roles from the `scope` claim for `@requiresScopes`, `@authenticated` by
 *   `authorization.directives`.
 * - gateway -> subgraph trust: the router cannot compute our per-request body HMAC, so it passes
 *   the front's short-lived gateway token (schema/gateway-key.ts) to every subgraph fetch.
 * - limits: tokens, depth (fragments flattened), aliases, directives, body size, cost (demand
 *   control), the deadline (`traffic_shaping.router.request_timeout`); API keys, rate limit and
 *   variables size are the front's; field count and prediction inputs have no router key
 *   (unsupported, listed).
 * - persisted operations: our manifest (hash -> document JSON) as the router's file storage,
 *   allow-list mode as `require_id`.
 * - CORS: our origin list as one policy.
 * - headers: x-request-id and W3C trace context propagated to subgraphs.
 */
import { GATEWAY_TOKEN_HEADER } from '../../schema/gateway-key.ts';
import type { GatewayAuthConfig } from '../plugins/auth-config.ts';
import { resolveCors, resolveLimits, resolvePersistedOperations, type CorsInput, type LimitsInput, type PersistedOperationsInput } from '../plugins/policy-config.ts';

export { GATEWAY_TOKEN_HEADER };

export interface RouterConfigInput {
  readonly supergraphPath: string;
  readonly host: string;
  readonly port: number;
  /** Written by the caller next to the config when auth has a JWT secret: see `jwksOfSecret`. */
  readonly jwksPath?: string;
  /** The policy front's own JWKS (router-auth.ts `frontJwks`), written by the caller. */
  readonly frontJwksPath?: string;
  readonly auth?: GatewayAuthConfig;
  readonly requireAuthentication?: boolean;
  readonly limits?: LimitsInput;
  readonly cors?: CorsInput;
  readonly persistedOperations?: PersistedOperationsInput;
  readonly production?: boolean;
  readonly introspection?: boolean;
  readonly logLevel?: 'error' | 'warn' | 'info' | 'debug';
}

export interface RouterConfig {
  readonly config: Record<string, unknown>;
  readonly unsupported: readonly string[];
}

/** An HS256 secret as a JWKS the router can read from a file. */
export function jwksOfSecret(secret: string): { keys: Record<string, string>[] } {
  return { keys: [{ kty: 'oct', alg: 'HS256', use: 'sig', k: Buffer.from(secret, 'utf8').toString('base64url') }] };
}

export function routerConfigOf(input: RouterConfigInput): RouterConfig {
  const unsupported: string[] = [];
  const limits = resolveLimits(input.limits);
  const cors = resolveCors(input.cors);
  const persisted = resolvePersistedOperations(input.persistedOperations);
  const auth = input.auth ?? {};
  const config: Record<string, unknown> = {
    supergraph: { source: 'file', path: input.supergraphPath },
    http: { host: input.host, port: input.port, graphql_endpoint: '/graphql' },
    log: { level: input.logLevel ?? 'warn', format: 'json' },
    introspection: input.introspection ?? true,
    limits: {
      max_tokens: { n: limits.maxTokens },
      max_depth: { n: limits.maxDepth, flatten_fragments: true },
      max_aliases: { n: limits.maxAliases },
      max_directives: { n: limits.maxDirectives },
      max_request_body_size: `${limits.maxBodyBytes} B`,
    },
    // cost from the same @cost / @listSize directives our estimate reads; estimates may differ in detail
    demand_control: { enabled: true, default_list_size: { all: limits.defaultListSize }, operation_cost: { max: limits.maxCost, mode: 'enforce' }, subgraphs_budget: { mode: 'measure' } },
  };
  // the end-to-end deadline: the router drops the request (and its subgraph fetches) when it passes
  config['traffic_shaping'] = { router: { request_timeout: `${limits.requestTimeoutMs}ms` } };
  unsupported.push('limits.maxFields, maxPredictionInputs: no Hive Router 0.2.0 key and the front parses no GraphQL (depth, aliases, tokens and cost still bound a document)');

  const providers: Record<string, unknown>[] = [];
  if (auth.jwtSecret) {
    if (!input.jwksPath) throw new Error('routerConfigOf: a JWT secret needs jwksPath (write jwksOfSecret(secret) there)');
    providers.push({ source: 'file', path: input.jwksPath });
  }
  if (auth.jwks?.file) providers.push({ source: 'file', path: auth.jwks.file });
  if (auth.jwks?.url) providers.push({ source: 'remote', url: auth.jwks.url, prefetch: true });
  // last: a token without `kid` is matched by algorithm to the first provider (the caller's keys)
  if (input.frontJwksPath && (providers.length > 0 || (auth.apiKeys?.length ?? 0) > 0)) providers.push({ source: 'file', path: input.frontJwksPath });
  if (providers.length > 0) {
    config['jwt'] = {
      enabled: true,
      require_authentication: input.requireAuthentication ?? false,
      jwks_providers: providers,
      scopes_claim: 'scope',
      ...(auth.issuer ? { issuers: [auth.issuer] } : {}),
      ...(auth.audience ? { audiences: typeof auth.audience === 'string' ? [auth.audience] : [...auth.audience] } : {}),
    };
    // field rules from the SDL: @authenticated / @requiresScopes; a refused field is an error, not null
    config['authorization'] = { directives: { enabled: true, unauthorized: { mode: 'reject' } } };
  }

  const propagated = ['x-request-id', 'traceparent', 'tracestate', ...(auth.hmacSecret ? [GATEWAY_TOKEN_HEADER] : [])];
  config['headers'] = { all: { request: [{ propagate: { named: propagated } }] } };

  if (persisted.manifest) {
    config['persisted_documents'] = { enabled: true, require_id: persisted.allowListOnly, storage: { type: 'file', path: persisted.manifest, watch: false } };
  }
  if (cors.origins.length > 0) {
    config['cors'] = { enabled: true, allow_credentials: cors.credentials, max_age: cors.maxAgeSeconds, policies: [{ origins: [...cors.origins] }] };
  }
  if (cors.csrfHeader) config['csrf'] = { enabled: true, required_headers: [cors.csrfHeader] };
  return { config, unsupported };
}
