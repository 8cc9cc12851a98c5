/**
 * The gateway's front door when the gateway itself runs in a worker thread: a small node:http server
 * on the public port, in the parent thread, that answers `/health` itself (so it answers while the
 * gateway thread is busy or restarting) and passes everything else, HTTP and WebSocket upgrades
 * alike, byte for byte to the gateway thread's loopback port. It parses no GraphQL and buffers no
 * body. `/metrics` is the gateway's text followed by the parent's registry (jobs, connectors).
 * The caller's address travels in `x-forwarded-for`, set here (never the caller's own value).
 */
import { createServer, request as httpRequest, Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { PlatformError, errorMessage } from '../schema/errors.ts';

export interface FrontTarget {
  readonly host: string;
  readonly port: number;
}

export interface FrontOptions {
  readonly port: number;
  readonly host: string;
  /** Where requests go; null while the gateway thread is starting or restarting (then 503). */
  readonly target: () => FrontTarget | null;
  /**
   * Where plain HTTP requests to /graphql go instead, when set (the hive-router engine: queries and
   * mutations to the router, WebSocket upgrades still to `target`); null: 503.
   */
  readonly graphqlHttpTarget?: () => FrontTarget | null;
  /**
   * Handles plain HTTP requests to /graphql itself, when set (the hive-router engine's policy
   * front, gateway/engines/router-policy.ts); null: 503. Takes precedence over graphqlHttpTarget.
   */
  readonly graphqlHttpHandler?: () => ((req: IncomingMessage, res: ServerResponse) => void) | null;
  /** Prometheus text of this thread's registry, appended to the gateway's /metrics. */
  readonly localMetrics?: () => Promise<string>;
  /** What /health reports besides `status: ok` (e.g. the gateway thread's state). */
  readonly healthDetails?: () => Record<string, unknown>;
  /** Paths the front answers itself, in this thread (e.g. `/alerts/webhook`), before proxying. */
  readonly routes?: Readonly<Record<string, (req: IncomingMessage, res: ServerResponse) => void>>;
  /** How long the gateway thread gets to answer /metrics before the front answers without it. */
  readonly metricsTimeoutMs?: number;
}

export interface RunningFront {
  readonly port: number;
  close(): Promise<void>;
}

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade'];

function unavailable(res: ServerResponse): void {
  res.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'retry-after': '1' });
  res.end(JSON.stringify({ errors: [{ message: 'The gateway is starting or restarting; retry shortly.', extensions: { code: 'GATEWAY_UNAVAILABLE' } }] }));
}

function forwardedHeaders(req: IncomingMessage): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP_BY_HOP.includes(k)) out[k] = v;
  out['x-forwarded-for'] = req.socket.remoteAddress ?? '';
  return out;
}

async function gatewayMetrics(target: FrontTarget, agent: Agent, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const r = httpRequest({ host: target.host, port: target.port, path: '/metrics', method: 'GET', agent, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve(res.statusCode === 200 ? text : ''));
      res.on('error', () => resolve(''));
    });
    r.on('timeout', () => r.destroy());
    r.on('error', () => resolve('# gateway thread did not answer /metrics\n'));
    r.end();
  });
}

export async function startFront(opts: FrontOptions): Promise<RunningFront> {
  const agent = new Agent({ keepAlive: true });
  const sockets = new Set<Socket | Duplex>();

  const server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://front').pathname;
    if (pathname === '/health') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ status: 'ok', ...opts.healthDetails?.() }));
      return;
    }
    const route = opts.routes && Object.hasOwn(opts.routes, pathname) ? opts.routes[pathname] : undefined;
    if (route) return route(req, res);
    const target = opts.target();
    if (pathname === '/metrics' && req.method === 'GET') {
      void (async () => {
        const [gw, local] = await Promise.all([
          target ? gatewayMetrics(target, agent, opts.metricsTimeoutMs ?? 1000) : Promise.resolve(''),
          opts.localMetrics?.().catch((e: unknown) => `# local metrics failed: ${errorMessage(e)}\n`) ?? Promise.resolve(''),
        ]);
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        res.end(`${gw}${gw.endsWith('\n') || gw === '' ? '' : '\n'}${local}`);
      })();
      return;
    }
    if (pathname === '/graphql' && opts.graphqlHttpHandler) {
      const handler = opts.graphqlHttpHandler();
      return handler ? handler(req, res) : unavailable(res);
    }
    const to = pathname === '/graphql' && opts.graphqlHttpTarget ? opts.graphqlHttpTarget() : target;
    if (!to) return unavailable(res);
    const upstream = httpRequest(
      { host: to.host, port: to.port, path: req.url, method: req.method, headers: forwardedHeaders(req), agent },
      (up) => {
        const headers: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(up.headers)) if (v !== undefined && !HOP_BY_HOP.includes(k)) headers[k] = v;
        res.writeHead(up.statusCode ?? 502, headers);
        up.pipe(res);
        up.on('error', () => res.destroy());
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) unavailable(res);
      else res.destroy();
    });
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  });

  // WebSocket (graphql-ws) and any other upgrade: replay the request head to the gateway thread and
  // splice the two sockets together.
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const target = opts.target();
    if (!target) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    const up = connect(target.port, target.host, () => {
      const lines = [`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const name = req.rawHeaders[i] ?? '';
        if (name.toLowerCase() === 'x-forwarded-for') continue;
        lines.push(`${name}: ${req.rawHeaders[i + 1] ?? ''}`);
      }
      lines.push(`x-forwarded-for: ${req.socket.remoteAddress ?? ''}`);
      up.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    sockets.add(up);
    sockets.add(socket);
    const drop = (): void => {
      up.destroy();
      socket.destroy();
      sockets.delete(up);
      sockets.delete(socket);
    };
    up.on('error', drop);
    up.on('close', drop);
    socket.on('error', drop);
    socket.on('close', drop);
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    throw new PlatformError('LISTEN_FAILED', `gateway: cannot listen on ${opts.host}:${opts.port}: ${errorMessage(e)}`, { host: opts.host, port: opts.port }, { cause: e });
  }
  const port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  return {
    port,
    close: () =>
      (closing ??= (async () => {
        const done = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        for (const s of sockets) s.destroy();
        const force = setTimeout(() => server.closeAllConnections(), 1000);
        force.unref();
        await done;
        clearTimeout(force);
        agent.destroy();
      })()),
  };
}
