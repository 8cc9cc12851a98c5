/**
 * The gateway's auth, assembled from plain config (`GatewayAuthConfig`):
 * - authentication of every HTTP request and graphql-ws operation (JWT, API keys), the caller set
 *   on the context as `principal` (anonymous callers too: `anon:<ip>`), through the runtime's
 *   genericAuth (`@envelop/generic-auth`);
 * - field rules (`@authenticated` / `@requiresScopes` in the supergraph) enforced when auth is
 *   configured; when it is not (the embedded dev default) the gateway runs open, says so in one
 *   warn line and in GraphiQL, and enforces nothing; production refuses to start open;
 * - graphql-ws `connection_init` checked (close 4401 bad or missing credentials, 4403 no role);
 * - HMAC signing of every subgraph request (the runtime's hmacSignature) when a secret is set.
 */
import type { GatewayConfigProxy } from '@graphql-hive/gateway-runtime';
import type { Context as WsContext } from 'graphql-ws';
import type { Logger } from 'pino';
import { PlatformError } from '../../schema/errors.ts';
import { PRINCIPAL_CONTEXT_KEY, type Principal } from '../principal.ts';
import { createApiKeyVerifier } from './auth-api-keys.ts';
import { isAuthConfigured, type GatewayAuthConfig } from './auth-config.ts';
import { anonymous, createAuthenticator, credentialsFromConnectionParams, credentialsFromHeaders, type Authenticator, type Credentials } from './auth-credentials.ts';
import { createJwtVerifier } from './auth-jwt.ts';
import { checkFieldRule } from './auth-rules.ts';
import { createWsConnectGuard } from './auth-ws.ts';

type GenericAuthOptions = NonNullable<GatewayConfigProxy['genericAuth']>;
type HmacOptions = NonNullable<GatewayConfigProxy['hmacSignature']>;
type GraphiQLOptions = { title: string; defaultQuery: string };

export interface GatewayAuth {
  /** True when field rules are enforced (auth configured). */
  readonly enforced: boolean;
  /** Runtime options: spread into createGatewayRuntime. */
  readonly runtime: { readonly genericAuth: GenericAuthOptions; readonly hmacSignature?: HmacOptions };
  /** graphql-ws `onConnect`: false (or a closed socket) refuses the connection. */
  readonly onConnect: (ctx: WsContext<Record<string, unknown> | undefined, { socket: { close(code: number, reason: string): void } }>) => Promise<boolean>;
  /** GraphiQL settings that warn about open mode (undefined when enforced). */
  readonly graphiql?: GraphiQLOptions;
  /** The HMAC secret subgraph requests are signed with (also used by composition and readiness). */
  readonly hmacSecret?: string;
}

export interface GatewayAuthOptions {
  readonly production: boolean;
  readonly logger: Logger;
}

export const OPEN_MODE_WARNING =
  'AUTH IS OFF: no gateway.auth configured (JWT secret, JWKS or API keys), so every caller is anonymous and no field rule is enforced. ' +
  'Fine on a dev machine; set GOFUTURE_JWT_SECRET (and GOFUTURE_HMAC_SECRET) before anyone else can reach this port.';

type RequestLike = { headers?: { get?: (name: string) => string | null } };
type ContextLike = { request?: RequestLike; connectionParams?: Record<string, unknown>; req?: { socket?: { remoteAddress?: string } } };

function credentialsOf(context: ContextLike): Credentials | undefined {
  const get = (name: string): string | null | undefined => context.request?.headers?.get?.(name);
  return credentialsFromConnectionParams(context.connectionParams) ?? credentialsFromHeaders(get);
}

function resolver(authenticator: Authenticator) {
  return (context: unknown): Promise<Principal> => {
    const c = (context ?? {}) as ContextLike;
    const ip = c.req?.socket?.remoteAddress;
    // open mode: nothing can verify credentials, so none are even parsed (any Authorization header passes)
    if (!authenticator.enabled) return Promise.resolve(anonymous(ip));
    return authenticator.authenticate(credentialsOf(c), ip);
  };
}

/**
 * The runtime's option type pins the context key to the plugin's default name ('currentUser');
 * the plugin itself takes any name, and ours is the one every policy reads.
 */
const contextFieldName = PRINCIPAL_CONTEXT_KEY as unknown as 'currentUser';

function genericAuthOptions(authenticator: Authenticator, enforced: boolean): GenericAuthOptions {
  const resolveUserFn = resolver(authenticator);
  if (!enforced) return { mode: 'resolve-only', contextFieldName, resolveUserFn };
  return {
    mode: 'protect-granular',
    contextFieldName,
    resolveUserFn,
    rejectUnauthenticated: true,
    extractScopes: (user: unknown) => [...((user as Principal | undefined)?.roles ?? [])],
    validateUser: (p) =>
      checkFieldRule({
        user: p.user as Principal | null | undefined,
        parentTypeName: p.parentType.name,
        fieldName: p.field.name,
        fieldAuthenticated: p.fieldAuthArgs !== undefined,
        typeAuthenticated: p.typeAuthArgs !== undefined,
        fieldScopes: p.fieldScopes,
        typeScopes: p.typeScopes,
        at: { fieldNode: p.fieldNode, path: p.path },
      }),
  };
}

export function createGatewayAuth(config: GatewayAuthConfig | undefined, opts: GatewayAuthOptions): GatewayAuth {
  const auth = config ?? {};
  const enforced = isAuthConfigured(auth);
  if (opts.production && !enforced) {
    throw new PlatformError(
      'AUTH_NOT_CONFIGURED',
      'gateway: production needs authentication: set gateway.auth.jwtSecret (GOFUTURE_JWT_SECRET), gateway.auth.jwks (GOFUTURE_JWKS) or gateway.auth.apiKeys',
    );
  }
  if (opts.production && !auth.hmacSecret) {
    throw new PlatformError('AUTH_NOT_CONFIGURED', 'gateway: production needs gateway.auth.hmacSecret (GOFUTURE_HMAC_SECRET): subgraphs refuse unsigned requests');
  }
  const authenticator = createAuthenticator(createJwtVerifier(auth), createApiKeyVerifier(auth.apiKeys));
  if (!enforced) opts.logger.warn(OPEN_MODE_WARNING);
  if (!auth.hmacSecret) opts.logger.info('subgraph requests are not signed (no gateway.auth.hmacSecret); subgraphs accept them outside production only');
  return {
    enforced,
    runtime: {
      genericAuth: genericAuthOptions(authenticator, enforced),
      ...(auth.hmacSecret ? { hmacSignature: { secret: auth.hmacSecret } } : {}),
    },
    onConnect: createWsConnectGuard(authenticator, enforced),
    ...(enforced
      ? {}
      : {
          graphiql: {
            title: 'GoFuture data API: AUTH IS OFF (dev mode)',
            defaultQuery: '# AUTH IS OFF: every caller is anonymous and no field rule is enforced (dev default).\n# Configure gateway.auth (README: "Run with auth") before exposing this port.\n{ regions { id name } }\n',
          },
        }),
    ...(auth.hmacSecret ? { hmacSecret: auth.hmacSecret } : {}),
  };
}
