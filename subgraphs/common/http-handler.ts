/**
 * The node:http side of a subgraph: `/graphql` (GET and POST) handed to Apollo through its
 * integration API `executeHTTPGraphQLRequest`, `/health` as JSON, everything else 404. The body is
 * read here (JSON, size-capped); a malformed body is a 400 with a GraphQL-shaped error, never a crash.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import type { Logger } from 'pino';
import type { HealthReport } from '../../connectors/contracts/connector.ts';
import { requestIdFrom, requestScope } from './request-scope.ts';
import type { SignatureCheck } from './signature.ts';
import { GATEWAY_TOKEN_HEADER } from '../../schema/gateway-key.ts';
import { traceRequest } from './tracing.ts';

export interface HttpHandlerOptions<TContext extends object> {
  readonly name: string;
  readonly apollo: ApolloServer<TContext>;
  readonly logger: Logger;
  readonly makeContext: (req: IncomingMessage, requestId: string, logger: Logger) => Promise<TContext>;
  readonly health?: () => Promise<HealthReport> | HealthReport;
  readonly maxBodyBytes: number;
  /** Gateway HMAC signature check; unsigned or badly signed requests are answered 403 before Apollo sees them. */
  readonly signature?: SignatureCheck;
  /** Each request in a span continuing the gateway's trace context (subgraphs/common/tracing.ts). */
  readonly tracing?: boolean;
}

class BodyError extends Error {
  readonly status: number;
  readonly code: 'BAD_REQUEST' | 'LIMIT_EXCEEDED';
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
    this.code = status === 413 ? 'LIMIT_EXCEEDED' : 'BAD_REQUEST';
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, requestId?: string): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  if (requestId) res.setHeader('x-request-id', requestId);
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBytes) {
      reject(new BodyError(413, `request body is larger than ${maxBytes} bytes`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(new BodyError(413, `request body is larger than ${maxBytes} bytes`));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function parsedBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  if (req.method !== 'POST') return undefined;
  const text = await readBody(req, maxBytes);
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type !== 'application/json' && !type.endsWith('+json')) return text;
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new BodyError(400, 'request body is not valid JSON');
  }
}

/** GET carries its params in the query string (variables and extensions as JSON). */
function getParams(req: IncomingMessage): Record<string, unknown> {
  const search = new URL(req.url ?? '/', 'http://subgraph').searchParams;
  const json = (name: string): unknown => {
    const raw = search.get(name);
    if (raw === null) return undefined;
    try {
      return JSON.parse(raw);
    } catch {
      return undefined;
    }
  };
  return { query: search.get('query') ?? undefined, variables: json('variables'), extensions: json('extensions') };
}

function signatureRefusal(check: SignatureCheck, req: IncomingMessage, body: unknown): ReturnType<SignatureCheck['refusal']> {
  if (check.hasGatewayToken(req.headers[GATEWAY_TOKEN_HEADER])) return undefined;
  if (req.method !== 'POST') return check.refusal(getParams(req));
  if (Array.isArray(body)) {
    if (body.length === 0) return check.refusal(undefined);
    for (const item of body) {
      const refusal = check.refusal(item);
      if (refusal) return refusal;
    }
    return undefined;
  }
  return check.refusal(body);
}

async function handleGraphQL<TContext extends object>(opts: HttpHandlerOptions<TContext>, req: IncomingMessage, res: ServerResponse, requestId: string, log: Logger): Promise<void> {
  let body: unknown;
  try {
    body = await parsedBody(req, opts.maxBodyBytes);
  } catch (e) {
    const status = e instanceof BodyError ? e.status : 400;
    const message = e instanceof BodyError ? e.message : 'request body could not be read';
    const extensions = e instanceof BodyError && e.code === 'LIMIT_EXCEEDED' ? { code: e.code, limit: 'bodyBytes', max: opts.maxBodyBytes } : { code: 'BAD_REQUEST' };
    sendJson(res, status, { errors: [{ message, extensions }] }, requestId);
    return;
  }
  const refusal = opts.signature ? signatureRefusal(opts.signature, req, body) : undefined;
  if (refusal) {
    log.warn({ code: refusal.extensions['code'] }, refusal.message);
    sendJson(res, 403, { errors: [{ message: refusal.message, extensions: { code: refusal.extensions['code'] } }] }, requestId);
    return;
  }
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const response = await opts.apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: (req.method ?? 'GET').toUpperCase(), headers, search: q === -1 ? '' : url.slice(q), body },
    context: () => opts.makeContext(req, requestId, log),
  });
  for (const [key, value] of response.headers) res.setHeader(key, value);
  res.setHeader('x-request-id', requestId);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

function served<TContext extends object>(opts: HttpHandlerOptions<TContext>, req: IncomingMessage, res: ServerResponse): void {
  const requestId = requestIdFrom(req.headers);
  const log = opts.logger.child({ requestId });
  requestScope.run({ requestId, logger: log }, () => {
    handleGraphQL(opts, req, res, requestId, log).then(
      () => log.debug({ status: res.statusCode }, 'graphql request served'),
      (e: unknown) => {
        log.error({ err: e }, 'graphql request failed outside execution');
        if (!res.headersSent) {
          sendJson(res, 500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR', requestId } }] }, requestId);
        } else {
          res.destroy();
        }
      },
    );
  });
}

async function handleHealth<TContext extends object>(opts: HttpHandlerOptions<TContext>, res: ServerResponse): Promise<void> {
  let report: HealthReport = { ok: true, detail: 'serving' };
  try {
    if (opts.health) report = await opts.health();
  } catch (e) {
    report = { ok: false, detail: e instanceof Error ? e.message : String(e) };
  }
  sendJson(res, report.ok ? 200 : 503, { status: report.ok ? 'ok' : 'unavailable', subgraph: opts.name, detail: report.detail });
}

/** The request listener of the subgraph's http server. */
export function createHttpHandler<TContext extends object>(opts: HttpHandlerOptions<TContext>): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health') {
      handleHealth(opts, res).catch((e: unknown) => {
        opts.logger.error({ err: e }, 'health check failed');
        if (!res.headersSent) sendJson(res, 503, { status: 'unavailable', subgraph: opts.name });
      });
      return;
    }
    if (path !== '/graphql') {
      sendJson(res, 404, { errors: [{ message: `not found: ${path}; GraphQL is served at /graphql`, extensions: { code: 'NOT_FOUND' } }] });
      return;
    }
    if (opts.tracing) traceRequest(opts.name, req, res, () => served(opts, req, res));
    else served(opts, req, res);
  };
}
