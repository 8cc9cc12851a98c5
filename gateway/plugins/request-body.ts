/**
 * The HTTP request body, read by us instead of the runtime's default parser (Yoga's
 * `onRequestParse` / `setRequestParser`):
 * - at most `maxBodyBytes` (refused from `content-length` up front, or as soon as the stream passes
 *   the limit, without buffering the rest): 413 LIMIT_EXCEEDED `bodyBytes`;
 * - `variables` at most `maxVariablesBytes` of JSON: 413 LIMIT_EXCEEDED `variablesBytes`;
 * - POST bodies must be JSON: form-urlencoded, multipart and text/plain (the content types a browser
 *   sends cross-origin without preflight) are 415 UNSUPPORTED_MEDIA_TYPE, so no simple request can
 *   carry a mutation (GET cannot: the runtime refuses mutations over GET) - this is our CSRF rule;
 * - a POST with no body is 400 BAD_REQUEST (so is invalid JSON, or a batch array);
 * - optionally (`csrfHeader`), GET requests must carry that header too (Apollo-style preflight forcing).
 */
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { limitError, policyError } from './limit-error.ts';

export interface RequestBodyOptions {
  readonly maxBodyBytes: number;
  readonly maxVariablesBytes: number;
  /** When set, a GET without this header is refused (403 CSRF_REFUSED). */
  readonly csrfHeader?: string | undefined;
}

interface Params {
  query?: string;
  variables?: Record<string, unknown>;
  operationName?: string;
  extensions?: Record<string, unknown>;
}

function isJsonType(contentType: string | null): boolean {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

async function readCapped(request: Request, maxBytes: number): Promise<string> {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > maxBytes) throw limitError('bodyBytes', maxBytes, declared, 413);
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw limitError('bodyBytes', maxBytes, undefined, 413);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses a POST body under the limits; throws a coded GraphQL error otherwise. */
export async function parseJsonBody(request: Request, opts: RequestBodyOptions): Promise<Params> {
  if (!isJsonType(request.headers.get('content-type'))) {
    throw policyError('UNSUPPORTED_MEDIA_TYPE', 'POST bodies must be JSON (content-type: application/json)', 415);
  }
  const text = await readCapped(request, opts.maxBodyBytes);
  if (text.trim() === '') throw policyError('BAD_REQUEST', 'POST request has no body: send {"query": ...} as JSON', 400);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw policyError('BAD_REQUEST', 'request body is not valid JSON', 400);
  }
  if (!isObject(body)) throw policyError('BAD_REQUEST', 'request body must be one JSON object (batching is off)', 400);
  const variables = body['variables'];
  if (variables !== undefined && variables !== null) {
    const bytes = Buffer.byteLength(JSON.stringify(variables));
    if (bytes > opts.maxVariablesBytes) throw limitError('variablesBytes', opts.maxVariablesBytes, bytes, 413);
  }
  return body as Params;
}

export function createRequestBodyPlugin(opts: RequestBodyOptions): GatewayPlugin {
  return {
    onRequestParse({ request, setRequestParser }) {
      const method = request.method.toUpperCase();
      if (method === 'POST') {
        const declared = Number(request.headers.get('content-length') ?? 0);
        if (declared > opts.maxBodyBytes) throw limitError('bodyBytes', opts.maxBodyBytes, declared, 413);
        setRequestParser((req) => parseJsonBody(req, opts));
        return;
      }
      if (method === 'GET' && opts.csrfHeader && !request.headers.has(opts.csrfHeader)) {
        const header = opts.csrfHeader;
        setRequestParser(() => {
          throw policyError('CSRF_REFUSED', `GET requests must carry the ${header} header`, 403);
        });
      }
    },
  };
}
