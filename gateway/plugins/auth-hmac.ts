/**
 * HMAC-SHA256 signature of a GraphQL request, as the runtime's `useHmacUpstreamSignature` makes it
 * (extension `hmac-signature`, base64 of HMAC over the stable JSON of `{ query, variables }`), for
 * the requests the gateway sends outside the runtime: composition's `_service { sdl }` and
 * readiness probes. Subgraphs verify all of them the same way (subgraphs/common/signature.ts).
 */
import { createHmac } from 'node:crypto';
import { defaultParamsSerializer } from '@graphql-mesh/hmac-upstream-signature';

export const HMAC_EXTENSION = 'hmac-signature';

export interface SignableParams {
  readonly query: string;
  readonly variables?: Record<string, unknown>;
}

export function hmacSignature(secret: string, params: SignableParams): string {
  const serialized = defaultParamsSerializer({ query: params.query, ...(params.variables ? { variables: params.variables } : {}) }) ?? '';
  return createHmac('sha256', secret).update(serialized, 'utf8').digest('base64');
}

/** The JSON body of a signed request (unsigned without a secret). */
export function signedBody(secret: string | undefined, params: SignableParams): string {
  if (!secret) return JSON.stringify(params);
  return JSON.stringify({ ...params, extensions: { [HMAC_EXTENSION]: hmacSignature(secret, params) } });
}
