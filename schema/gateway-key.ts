/**
 * The gateway key: how a gateway engine that cannot sign each request body (Hive Router, ADR 0026)
 * proves to subgraphs that it is the gateway. A header carrying HMAC-SHA256(hmacSecret, fixed
 * context), base64url: derived from the shared HMAC secret (the secret itself never travels), and
 * the same on every request, so it proves the sender knows the secret but, unlike the body
 * signature, is not bound to one request (a captured key replays: loopback or TLS only).
 */
import { createHmac } from 'node:crypto';

export const GATEWAY_KEY_HEADER = 'x-gofuture-gateway-key';
const GATEWAY_KEY_CONTEXT = 'gofuture-gateway-key-v1';

export function gatewayKeyOf(hmacSecret: string): string {
  return createHmac('sha256', hmacSecret).update(GATEWAY_KEY_CONTEXT, 'utf8').digest('base64url');
}
