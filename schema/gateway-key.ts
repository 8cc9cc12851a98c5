/**
 * The gateway token: how a gateway engine that cannot sign each subgraph request body (Hive Router,
 * ADR 0026 / 0033) proves to subgraphs that the request comes from the gateway. Our Node front mints
 * a new one every second, `v1.<issued ms>.<nonce>.<HMAC-SHA256(hmacSecret, "v1.<issued ms>.<nonce>")>`
 * (base64url), and the router passes it to every subgraph fetch of each request. Subgraphs accept
 * it while it is fresh (`GATEWAY_TOKEN_MAX_AGE_MS`, clock skew included): a captured token replays
 * for seconds, not forever, and the secret itself never travels. It is not bound to the subgraph
 * body (the router builds those bodies and cannot sign them), which the Node engine's body
 * signature is.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const GATEWAY_TOKEN_HEADER = 'x-gofuture-gateway-token';
/** How long a token is accepted after it was minted (and how far in the future its clock may be). */
export const GATEWAY_TOKEN_MAX_AGE_MS = 60_000;
const VERSION = 'v1';

function mac(hmacSecret: string, payload: string): string {
  return createHmac('sha256', hmacSecret).update(`gofuture-gateway-token:${payload}`, 'utf8').digest('base64url');
}

/** A fresh token for one client request. */
export function gatewayTokenOf(hmacSecret: string, nowMs: number = Date.now()): string {
  const payload = `${VERSION}.${nowMs}.${randomBytes(9).toString('base64url')}`;
  return `${payload}.${mac(hmacSecret, payload)}`;
}

/** True when the token was minted with this secret within the accepted age. */
export function verifyGatewayToken(hmacSecret: string, token: string, nowMs: number = Date.now(), maxAgeMs: number = GATEWAY_TOKEN_MAX_AGE_MS): boolean {
  const parts = token.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION) return false;
  const issued = Number(parts[1]);
  if (!Number.isSafeInteger(issued) || Math.abs(nowMs - issued) > maxAgeMs) return false;
  const expected = Buffer.from(mac(hmacSecret, parts.slice(0, 3).join('.')), 'utf8');
  const given = Buffer.from(parts[3] ?? '', 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
