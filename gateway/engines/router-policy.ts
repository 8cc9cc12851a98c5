/**
 * The engine-neutral request policies for the `hive-router` engine, enforced in our Node front
 * before the bytes reach the router (ADR 0033): the checks that need no GraphQL parse.
 * - POST bodies must be JSON (415), at most `maxBodyBytes` (413, from content-length or while
 *   reading), `variables` at most `maxVariablesBytes` (413; the body is parsed only when it is
 *   bigger than that limit, so small requests are never parsed here);
 * - credentials (router-auth.ts): bad key or token 401, API keys exchanged for a router JWT;
 * - rate limit per principal, else client IP (the node engine's limiter and keys): 429;
 * - the deadline: the router's own `traffic_shaping.router.request_timeout` ends the request
 *   (dropping its subgraph fetches); the front also aborts the hop one second later, as a backstop;
 * - a fresh gateway token for the subgraphs (schema/gateway-key.ts), minted at most once a second:
 *   a token per request would make every subgraph fetch unique and defeat the router's in-flight
 *   dedup of identical subgraph requests (its key includes the headers);
 * - error-only answers of the router get our codes (router-errors.ts); answers with data are piped.
 * Refusals carry the same codes, statuses and `extensions` as on the node engine.
 */
import { request as httpRequest, type Agent, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import { errorMessage } from '../../schema/errors.ts';
import { GATEWAY_TOKEN_HEADER, gatewayTokenOf } from '../../schema/gateway-key.ts';
import type { GatewayAuthConfig } from '../plugins/auth-config.ts';
import { limitError, policyError } from '../plugins/limit-error.ts';
import { resolveLimits, type LimitsConfig, type LimitsInput } from '../plugins/policy-config.ts';
import { createRateLimiter, type RateLimiter } from '../plugins/rate-limit.ts';
import { createRouterAuth, type RouterAuth } from './router-auth.ts';
import { rewriteRouterErrors } from './router-errors.ts';

export interface RouterTarget {
  readonly host: string;
  readonly port: number;
}

export interface RouterPolicyOptions {
  readonly auth?: GatewayAuthConfig | undefined;
  readonly limits?: LimitsInput | undefined;
  readonly logger: Logger;
}

export interface RouterPolicy {
  readonly limits: LimitsConfig;
  readonly auth: RouterAuth;
  /** Handles one plain HTTP request to /graphql: refuses it, or forwards it to the router. */
  handle(req: IncomingMessage, res: ServerResponse, target: RouterTarget, agent: Agent): void;
  close(): Promise<void>;
}

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade'];
/** Headers a caller may not set for the router: we set them. */
const OURS = ['authorization', 'x-api-key', 'x-forwarded-for', 'content-length', GATEWAY_TOKEN_HEADER];
/** How long one gateway token is handed out before a new one is minted. */
const TOKEN_ROTATE_MS = 1000;
/** Error-only answers are at most this big when read for rewriting. */
const REWRITE_MAX_BYTES = 64 * 1024;

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(body);
}

/** A policy GraphQLError (extensions.http) as the node engine's HTTP answer. */
function refuse(res: ServerResponse, error: GraphQLError): void {
  const { http, ...extensions } = (error.extensions ?? {}) as { http?: { status?: number; headers?: Record<string, string> } } & Record<string, unknown>;
  send(res, http?.status ?? 400, JSON.stringify({ errors: [{ message: error.message, extensions }] }), http?.headers ?? {});
}

function isJsonType(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The body, or a limit error; resolves once it is read (never buffers past `max`). */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | GraphQLError> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        req.removeAllListeners('data');
        req.resume();
        resolve(limitError('bodyBytes', max, undefined, 413));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function variablesTooBig(body: Buffer, max: number): GraphQLError | undefined {
  if (body.length <= max) return undefined; // the variables are part of the body: they cannot be bigger
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined; // the router answers invalid JSON
  }
  const variables = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)['variables'] : undefined;
  if (variables === undefined || variables === null) return undefined;
  const bytes = Buffer.byteLength(JSON.stringify(variables));
  return bytes > max ? limitError('variablesBytes', max, bytes, 413) : undefined;
}

export function createRouterPolicy(opts: RouterPolicyOptions): RouterPolicy {
  const limits = resolveLimits(opts.limits);
  const log = opts.logger.child({ component: 'router-policy' });
  const auth = createRouterAuth(opts.auth);
  const limiter: RateLimiter | undefined = limits.rateLimit.enabled ? createRateLimiter(limits.rateLimit, log) : undefined;
  const hmacSecret = opts.auth?.hmacSecret;
  let token: { value: string; mintedMs: number } | undefined;
  const gatewayToken = (secret: string): string => {
    const now = Date.now();
    if (!token || now - token.mintedMs >= TOKEN_ROTATE_MS) token = { value: gatewayTokenOf(secret, now), mintedMs: now };
    return token.value;
  };
  const limitBounds = { tokens: limits.maxTokens, depth: limits.maxDepth, aliases: limits.maxAliases, directives: limits.maxDirectives, cost: limits.maxCost };

  const forward = (req: IncomingMessage, res: ServerResponse, target: RouterTarget, agent: Agent, body: Buffer | undefined, authorization: string | undefined, anonymousCaller: boolean): void => {
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP_BY_HOP.includes(k) && !OURS.includes(k)) headers[k] = v;
    headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
    if (authorization) headers['authorization'] = authorization;
    if (hmacSecret) headers[GATEWAY_TOKEN_HEADER] = gatewayToken(hmacSecret);
    if (body) headers['content-length'] = String(body.length);
    let timedOut = false;
    const upstream = httpRequest({ host: target.host, port: target.port, path: req.url, method: req.method, headers, agent }, (up) => {
      const status = up.statusCode ?? 502;
      const upHeaders: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(up.headers)) if (v !== undefined && !HOP_BY_HOP.includes(k)) upHeaders[k] = v;
      up.on('error', () => res.destroy());
      let first = true;
      const chunks: Buffer[] = [];
      let size = 0;
      let buffering = false;
      up.on('data', (c: Buffer) => {
        if (first) {
          first = false;
          // an error-only answer starts with {"errors": read it whole and give it our codes
          buffering = c.subarray(0, 10).toString('latin1') === '{"errors":';
          if (!buffering) {
            res.writeHead(status, upHeaders);
            res.write(c);
            up.pipe(res);
            return;
          }
        }
        if (!buffering) return;
        chunks.push(c);
        size += c.length;
        if (size > REWRITE_MAX_BYTES) {
          buffering = false;
          res.writeHead(status, upHeaders);
          res.write(Buffer.concat(chunks));
          up.pipe(res);
        }
      });
      up.on('end', () => {
        clearTimeout(backstop);
        if (first) {
          res.writeHead(status, upHeaders);
          res.end();
          return;
        }
        if (!buffering) return;
        const text = Buffer.concat(chunks).toString('utf8');
        const rewritten = rewriteRouterErrors(text, anonymousCaller, { timeoutMs: limits.requestTimeoutMs, limits: limitBounds });
        if (!rewritten) {
          res.writeHead(status, upHeaders);
          res.end(text);
          return;
        }
        delete upHeaders['content-length'];
        res.writeHead(rewritten.status, { ...upHeaders, ...rewritten.headers, 'content-length': String(Buffer.byteLength(rewritten.body)) });
        res.end(rewritten.body);
      });
    });
    const backstop = setTimeout(() => {
      timedOut = true;
      upstream.destroy();
      refuse(res, policyError('REQUEST_TIMEOUT', `request deadline of ${limits.requestTimeoutMs} ms passed; upstream calls aborted`, 504, { timeoutMs: limits.requestTimeoutMs }));
    }, limits.requestTimeoutMs + 1000);
    upstream.on('error', (e) => {
      clearTimeout(backstop);
      if (timedOut) return;
      log.warn({ err: errorMessage(e) }, 'router hop failed');
      send(res, 503, JSON.stringify({ errors: [{ message: 'The gateway is starting or restarting; retry shortly.', extensions: { code: 'GATEWAY_UNAVAILABLE' } }] }), { 'retry-after': '1' });
    });
    res.on('close', () => {
      clearTimeout(backstop);
      if (!res.writableFinished) upstream.destroy();
    });
    upstream.end(body);
  };

  const admit = async (req: IncomingMessage, res: ServerResponse, target: RouterTarget, agent: Agent): Promise<void> => {
    const post = req.method?.toUpperCase() === 'POST';
    if (post) {
      if (!isJsonType(header(req.headers, 'content-type'))) return refuse(res, policyError('UNSUPPORTED_MEDIA_TYPE', 'POST bodies must be JSON (content-type: application/json)', 415));
      const declared = Number(header(req.headers, 'content-length') ?? 0);
      if (declared > limits.maxBodyBytes) return refuse(res, limitError('bodyBytes', limits.maxBodyBytes, declared, 413));
    }
    const ip = req.socket.remoteAddress;
    let admitted;
    try {
      admitted = await auth.admit((name) => header(req.headers, name), ip);
    } catch (e) {
      if (e instanceof Error && 'extensions' in e) return refuse(res, e as GraphQLError);
      throw e;
    }
    if (limiter) {
      const key = admitted.principal.kind === 'anonymous' ? `ip:${ip ?? 'unknown'}` : `p:${admitted.principal.id}`;
      const wait = await limiter.consume(key);
      if (wait !== undefined) return refuse(res, policyError('RATE_LIMITED', `rate limit exceeded; retry in ${wait} s`, 429, { retryAfterSeconds: wait }, { 'retry-after': String(wait) }));
    }
    let body: Buffer | undefined;
    if (post) {
      const read = await readBody(req, limits.maxBodyBytes);
      if (!Buffer.isBuffer(read)) return refuse(res, read);
      const tooBig = variablesTooBig(read, limits.maxVariablesBytes);
      if (tooBig) return refuse(res, tooBig);
      body = read;
    }
    forward(req, res, target, agent, body, admitted.authorization, admitted.principal.kind === 'anonymous');
  };

  return {
    limits,
    auth,
    handle(req, res, target, agent) {
      admit(req, res, target, agent).catch((e: unknown) => {
        log.error({ err: errorMessage(e) }, 'router policy failed');
        send(res, 500, JSON.stringify({ errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] }));
      });
    },
    close: () => limiter?.close() ?? Promise.resolve(),
  };
}
