/**
 * Subgraphs answer only the gateway: every request the gateway sends (HTTP and each graphql-ws
 * subscribe) carries `extensions["hmac-signature"]`, the base64 HMAC-SHA256 over the stable JSON of
 * `{ query, variables }` (the runtime's `useHmacUpstreamSignature`; composition and readiness probes
 * sign the same way). With a secret, a wrong signature is always refused; a missing one is refused
 * when the signature is required (production), accepted otherwise (dev, tests, direct debugging).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { defaultParamsSerializer } from '@graphql-mesh/hmac-upstream-signature';
import { GraphQLError } from 'graphql';
import { ErrorCodes, PlatformError } from '../../schema/errors.ts';
import { verifyGatewayToken } from '../../schema/gateway-key.ts';

export const HMAC_EXTENSION = 'hmac-signature';

export interface SubgraphSignatureOptions {
  /** Shared with the gateway (gateway.auth.hmacSecret / GOFUTURE_HMAC_SECRET). */
  readonly secret?: string | undefined;
  /** Refuse unsigned requests. Default: the server's production flag. Requires a secret. */
  readonly required?: boolean | undefined;
}

export type SignatureVerdict = 'signed' | 'unsigned' | 'invalid';

export interface SignatureCheck {
  readonly required: boolean;
  /** The verdict on one GraphQL request's params. */
  verdict(params: unknown): SignatureVerdict;
  /**
   * True when the request carries a fresh gateway token (schema/gateway-key.ts): Hive Router's
   * stand-in for the body signature, which it cannot compute (ADR 0026 / 0033).
   */
  hasGatewayToken(headerValue: string | readonly string[] | undefined): boolean;
  /** Undefined when the request may run; else the error to answer with. */
  refusal(params: unknown): GraphQLError | undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function signatureRefused(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCodes.SUBGRAPH_SIGNATURE_INVALID, http: { status: 403 } } });
}

export function createSignatureCheck(opts: SubgraphSignatureOptions, production: boolean, name: string): SignatureCheck {
  const required = opts.required ?? production;
  const secret = opts.secret ? opts.secret : undefined;
  if (required && !secret) {
    throw new PlatformError('AUTH_NOT_CONFIGURED', `subgraph ${name}: production refuses unsigned requests, so it needs the gateway's HMAC secret (gateway.auth.hmacSecret / GOFUTURE_HMAC_SECRET)`, { subgraph: name });
  }
  const verdict = (params: unknown): SignatureVerdict => {
    if (!isRecord(params)) return 'unsigned';
    const extensions = params['extensions'];
    const given = isRecord(extensions) ? extensions[HMAC_EXTENSION] : undefined;
    if (given === undefined) return 'unsigned';
    if (!secret) return 'unsigned'; // nothing to verify with (dev without a secret)
    if (typeof given !== 'string' || typeof params['query'] !== 'string') return 'invalid';
    const variables = isRecord(params['variables']) ? params['variables'] : undefined;
    const serialized = defaultParamsSerializer({ query: params['query'], ...(variables ? { variables } : {}) }) ?? '';
    const expected = createHmac('sha256', secret).update(serialized, 'utf8').digest();
    const presented = Buffer.from(given, 'base64');
    return presented.length === expected.length && timingSafeEqual(presented, expected) ? 'signed' : 'invalid';
  };
  return {
    required,
    verdict,
    hasGatewayToken(headerValue) {
      if (!secret || typeof headerValue !== 'string') return false;
      return verifyGatewayToken(secret, headerValue);
    },
    refusal(params) {
      const v = verdict(params);
      if (v === 'invalid') return signatureRefused('the gateway signature of this request does not verify');
      if (v === 'unsigned' && required) return signatureRefused('this subgraph answers only requests signed by the gateway');
      return undefined;
    },
  };
}
