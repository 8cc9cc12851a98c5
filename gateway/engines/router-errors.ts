/**
 * Hive Router's error codes as ours (schema/errors.ts), so a caller sees the same coded errors on
 * both engines (ADR 0033): the front rewrites an error-only answer of the router (`{"errors": ...}`
 * without data) before it reaches the caller; answers with data pass byte for byte. The router's
 * own code stays in `extensions.routerCode`.
 */
import type { ErrorCode } from '../../schema/errors.ts';
import type { LimitName } from '../plugins/limit-error.ts';

interface Mapped {
  readonly code: ErrorCode;
  readonly status: number;
  readonly limit?: LimitName;
}

const LIMITS: Readonly<Record<string, { limit: LimitName; status: number }>> = {
  TOKEN_LIMIT_EXCEEDED: { limit: 'tokens', status: 400 },
  MAX_DEPTH_EXCEEDED: { limit: 'depth', status: 400 },
  MAX_ALIASES_EXCEEDED: { limit: 'aliases', status: 400 },
  MAX_DIRECTIVES_EXCEEDED: { limit: 'directives', status: 400 },
  COST_ESTIMATED_TOO_EXPENSIVE: { limit: 'cost', status: 400 },
};

/** Our code for one router code; anonymous callers refused a field are UNAUTHENTICATED, others FORBIDDEN. */
export function mapRouterCode(routerCode: string, anonymousCaller: boolean): Mapped | undefined {
  const limit = LIMITS[routerCode];
  if (limit) return { code: 'LIMIT_EXCEEDED', status: limit.status, limit: limit.limit };
  switch (routerCode) {
    case 'GATEWAY_TIMEOUT':
      return { code: 'REQUEST_TIMEOUT', status: 504 };
    case 'UNAUTHORIZED_FIELD_OR_TYPE':
      return anonymousCaller ? { code: 'UNAUTHENTICATED', status: 401 } : { code: 'FORBIDDEN', status: 403 };
    case 'UNSUPPORTED_CONTENT_TYPE':
      return { code: 'UNSUPPORTED_MEDIA_TYPE', status: 415 };
    case 'CSRF_PREVENTION_FAILED':
      return { code: 'CSRF_REFUSED', status: 403 };
    default:
      return undefined;
  }
}

interface RouterError {
  message?: unknown;
  extensions?: Record<string, unknown>;
  [k: string]: unknown;
}

/**
 * The rewritten answer for an error-only router answer, or undefined to pass it unchanged (not
 * JSON, has data, or no code we map). `status` is the HTTP status to send.
 */
export function rewriteRouterErrors(body: string, anonymousCaller: boolean, extra: { timeoutMs: number; limits: Readonly<Partial<Record<LimitName, number>>> }): { status: number; body: string; headers: Record<string, string> } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const answer = parsed as { data?: unknown; errors?: unknown };
  if (answer.data !== undefined && answer.data !== null) return undefined;
  if (!Array.isArray(answer.errors) || answer.errors.length === 0) return undefined;
  let status: number | undefined;
  const headers: Record<string, string> = {};
  const errors = (answer.errors as RouterError[]).map((e) => {
    const routerCode = typeof e.extensions?.['code'] === 'string' ? e.extensions['code'] : undefined;
    const mapped = routerCode ? mapRouterCode(routerCode, anonymousCaller) : undefined;
    if (!mapped) return e;
    status ??= mapped.status;
    if (mapped.code === 'UNAUTHENTICATED') headers['www-authenticate'] = 'Bearer';
    const ext: Record<string, unknown> = { ...e.extensions, code: mapped.code, routerCode };
    if (mapped.limit) {
      ext['limit'] = mapped.limit;
      const max = extra.limits[mapped.limit];
      if (max !== undefined) ext['max'] = max;
    }
    if (mapped.code === 'REQUEST_TIMEOUT') ext['timeoutMs'] = extra.timeoutMs;
    return { ...e, extensions: ext };
  });
  if (status === undefined) return undefined;
  return { status, body: JSON.stringify({ ...answer, errors }), headers };
}
