/**
 * `/metrics` (Prometheus text of the process's registry) and `/health` for processes without the
 * gateway's front door (`gofuture run JOB...`, `gofuture subgraph NAME`), on `metrics.port` when
 * it is set (env GOFUTURE_METRICS_PORT; 0 = a free port). Scraped by the `gofuture-jobs` job of
 * operations/prometheus/prometheus.yml.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { PlatformError, errorMessage } from '../schema/errors.ts';

export interface MetricsServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startMetricsServer(o: { registry: Registry; port: number; host: string; logger: Logger }): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://metrics').pathname;
    if (req.method === 'GET' && pathname === '/metrics') {
      o.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': o.registry.contentType });
          res.end(text);
        },
        (e: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
          res.end(`metrics failed: ${errorMessage(e)}\n`);
        },
      );
      return;
    }
    if (req.method === 'GET' && pathname === '/health') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ status: 'ok' }));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('not found: /metrics and /health only\n');
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port, o.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    throw new PlatformError('LISTEN_FAILED', `metrics: cannot listen on ${o.host}:${o.port}: ${errorMessage(e)}`, { host: o.host, port: o.port }, { cause: e });
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}/metrics`;
  o.logger.info({ url }, `metrics on ${url}`);
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
