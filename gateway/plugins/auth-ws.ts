/**
 * graphql-ws `connection_init` check at the gateway. When auth is enforced, a connection must
 * carry credentials (payload `{ authorization: 'Bearer …' }`, `{ token }` or `{ apiKey }`, else the
 * upgrade request's Authorization header): missing, bad or expired ones close the socket with
 * 4401 Unauthorized; a verified caller without any role is refused with 4403 Forbidden (graphql-ws'
 * own code for `onConnect` returning false). Each operation on the connection is authenticated
 * again (the token may have expired since) and checked against the field rules; when the token
 * of `connection_init` expires, the socket is closed with 4401 (ws-token-expiry.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { Context as WsContext } from 'graphql-ws';
import { GraphQLError } from 'graphql';
import { decodeJwt } from 'jose';
import { errorMessage } from '../../schema/errors.ts';
import { closeAtExpiry, type ExpiringSocket } from '../ws-token-expiry.ts';
import { credentialsFromConnectionParams, credentialsFromHeaders, type Authenticator, type Credentials } from './auth-credentials.ts';

export const WS_UNAUTHORIZED = 4401;
export const WS_FORBIDDEN = 4403;

type Extra = { socket: ExpiringSocket; request?: IncomingMessage };

function upgradeHeader(extra: Extra, name: string): string | undefined {
  const v = extra.request?.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** A close reason fits a control frame (123 bytes). */
function reason(text: string): string {
  return Buffer.byteLength(text) <= 123 ? text : `${Buffer.from(text).subarray(0, 120).toString('utf8')}...`;
}

export function createWsConnectGuard(authenticator: Authenticator, enforced: boolean) {
  return async (ctx: WsContext<Record<string, unknown> | undefined, Extra>): Promise<boolean> => {
    if (!enforced) return true;
    const close = (code: number, text: string): false => {
      ctx.extra.socket.close(code, reason(text));
      return false;
    };
    let credentials: Credentials | undefined;
    try {
      credentials = credentialsFromConnectionParams(ctx.connectionParams) ?? credentialsFromHeaders((n) => upgradeHeader(ctx.extra, n));
    } catch (e) {
      return close(WS_UNAUTHORIZED, `Unauthorized: ${errorMessage(e)}`);
    }
    if (!credentials) return close(WS_UNAUTHORIZED, 'Unauthorized: send { authorization: "Bearer <token>" } in connection_init');
    try {
      const principal = await authenticator.authenticate(credentials, ctx.extra.request?.socket.remoteAddress);
      if (principal.roles.length === 0) return close(WS_FORBIDDEN, 'Forbidden: the caller has no role');
      // the connection ends with its token (4401 SUBSCRIPTION_TOKEN_EXPIRED): ws-token-expiry.ts
      const exp = principal.kind === 'jwt' && credentials.kind === 'bearer' ? decodeJwt(credentials.value).exp : undefined; // verified just above
      if (exp !== undefined) closeAtExpiry(ctx.extra.socket, exp * 1000);
      return true;
    } catch (e) {
      return close(WS_UNAUTHORIZED, `Unauthorized: ${e instanceof GraphQLError ? e.message : 'invalid credentials'}`);
    }
  };
}
